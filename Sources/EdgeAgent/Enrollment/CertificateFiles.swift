import Crypto
import Foundation
import Shared
import SwiftASN1
import X509

/// The agent's certificate and key on disk, replaced as a pair without a window where they do
/// not match: both new files are written and fsynced beside the old (`*.next`), then the key is
/// renamed over the old key and the certificate over the old certificate. `recover` finishes or
/// undoes a replacement that a crash interrupted, at the next start.
struct CertificateFiles: Sendable {
    let certificatePath: String
    let keyPath: String

    var nextCertificatePath: String { certificatePath + ".next" }
    var nextKeyPath: String { keyPath + ".next" }

    /// Installs a certificate and its key (0600) as the agent's.
    func install(certificatePEM: String, key: P256.Signing.PrivateKey) throws {
        try check(certificatePEM: certificatePEM, key: key)
        let directory = (certificatePath as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        try SecureFile.write(key.pemRepresentation, to: nextKeyPath, mode: 0o600, overwrite: true)
        try SecureFile.write(certificatePEM, to: nextCertificatePath, mode: 0o644, overwrite: true)
        try fsync(nextKeyPath)
        try fsync(nextCertificatePath)
        try rename(nextKeyPath, keyPath)
        try rename(nextCertificatePath, certificatePath)
        try fsync(directory.isEmpty ? "." : directory)
    }

    /// After a crash: completes a replacement whose new pair was fully written, discards one
    /// that was not. Returns what it did, for the log.
    func recover() -> String? {
        let fm = FileManager.default
        let haveKey = fm.fileExists(atPath: nextKeyPath), haveCertificate = fm.fileExists(atPath: nextCertificatePath)
        guard haveKey || haveCertificate else { return nil }
        if haveKey {
            // Both .next files exist: complete only if they are a valid pair.
            if haveCertificate, let pem = try? SecureFile.read(nextCertificatePath), let keyPEM = try? SecureFile.read(nextKeyPath),
                let key = try? P256.Signing.PrivateKey(pemRepresentation: keyPEM), (try? check(certificatePEM: pem, key: key)) != nil,
                (try? rename(nextKeyPath, keyPath)) != nil, (try? rename(nextCertificatePath, certificatePath)) != nil
            {
                return "completed an interrupted certificate replacement"
            }
            try? fm.removeItem(atPath: nextKeyPath)
            try? fm.removeItem(atPath: nextCertificatePath)
            return "discarded an incomplete certificate replacement"
        }
        // Only the certificate is pending: the key was already renamed; the certificate follows.
        if (try? rename(nextCertificatePath, certificatePath)) != nil { return "completed an interrupted certificate replacement" }
        return nil
    }

    /// The certificate must parse and be for `key`.
    func check(certificatePEM: String, key: P256.Signing.PrivateKey) throws {
        let certificate: Certificate
        do { certificate = try Certificate(pemEncoded: certificatePEM) } catch { throw CertificateFilesError("the certificate received does not parse: \(error)") }
        guard (try? P256.Signing.PublicKey(certificate.publicKey))?.derRepresentation == key.publicKey.derRepresentation else {
            throw CertificateFilesError("the certificate received is not for this agent's new key")
        }
    }

    private func rename(_ from: String, _ to: String) throws {
        guard Foundation.rename(from, to) == 0 else { throw CertificateFilesError("rename \(from) → \(to): \(String(cString: strerror(errno)))") }
    }

    private func fsync(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CertificateFilesError("open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard Foundation.fsync(fd) == 0 else { throw CertificateFilesError("fsync \(path): \(String(cString: strerror(errno)))") }
    }
}

struct CertificateFilesError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
