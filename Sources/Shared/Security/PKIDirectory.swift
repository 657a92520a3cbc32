import Crypto
import Foundation
import SwiftASN1
import X509

/// The on-disk layout of a fleet PKI (`aggregator pki init --dir D`):
///
/// ```
/// D/ca.pem  D/ca-key.pem (0600)
/// D/server.pem  D/server-key.pem (0600)
/// D/agents/<id>.pem  D/agents/<id>-key.pem (0600)
/// ```
/// The trust domain is read back from the CA certificate's `spiffe://<domain>` URI.
public struct PKIDirectory: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    public var caCertificatePath: String { "\(path)/ca.pem" }
    public var caKeyPath: String { "\(path)/ca-key.pem" }
    public var serverCertificatePath: String { "\(path)/server.pem" }
    public var serverKeyPath: String { "\(path)/server-key.pem" }
    public func agentCertificatePath(_ id: String) -> String { "\(path)/agents/\(id).pem" }
    public func agentKeyPath(_ id: String) -> String { "\(path)/agents/\(id)-key.pem" }

    /// Creates the directory (0700) and writes a new CA.
    public func writeAuthority(_ ca: CertificateAuthority, overwrite: Bool) throws {
        try makeDirectory(path)
        if !overwrite {
            for p in [caCertificatePath, caKeyPath] where FileManager.default.fileExists(atPath: p) {
                throw PKIError.fileExists(p)
            }
        }
        try SecureFile.write(ca.privateKey.pemRepresentation, to: caKeyPath, mode: 0o600, overwrite: overwrite)
        try SecureFile.write(try ca.certificate.serializeAsPEM().pemString, to: caCertificatePath, mode: 0o644, overwrite: overwrite)
    }

    /// Writes a new CA and its server certificate, refusing before writing anything if any of the
    /// four files exists (unless `overwrite`).
    public func writeAuthority(_ ca: CertificateAuthority, server: IssuedCertificate, overwrite: Bool) throws {
        if !overwrite {
            for p in [caCertificatePath, caKeyPath, serverCertificatePath, serverKeyPath]
            where FileManager.default.fileExists(atPath: p) {
                throw PKIError.fileExists(p)
            }
        }
        try writeAuthority(ca, overwrite: overwrite)
        try writeServer(server, overwrite: overwrite)
    }

    public func writeServer(_ issued: IssuedCertificate, overwrite: Bool) throws {
        try write(issued, certificate: serverCertificatePath, key: serverKeyPath, overwrite: overwrite)
    }

    public func writeAgent(_ id: String, _ issued: IssuedCertificate, overwrite: Bool) throws {
        try makeDirectory("\(path)/agents")
        try write(issued, certificate: agentCertificatePath(id), key: agentKeyPath(id), overwrite: overwrite)
    }

    /// Loads the CA, its key and trust domain.
    public func loadAuthority() throws -> CertificateAuthority {
        let certificate = try Self.loadCertificate(caCertificatePath)
        guard let domain = Self.trustDomain(ofCA: certificate) else { throw PKIError.invalidPEM(caCertificatePath, "CA has no spiffe:// trust domain") }
        return try Self.loadAuthority(certificatePath: caCertificatePath, keyPath: caKeyPath, trustDomain: domain)
    }

    /// A CA from its certificate and key files (wherever the configuration keeps them).
    public static func loadAuthority(certificatePath: String, keyPath: String, trustDomain: String) throws -> CertificateAuthority {
        let certificate = try loadCertificate(certificatePath)
        let keyPEM = try SecureFile.read(keyPath)
        let key: P256.Signing.PrivateKey
        do { key = try P256.Signing.PrivateKey(pemRepresentation: keyPEM) } catch {
            throw PKIError.invalidPEM(keyPath, "\(error)")
        }
        guard key.publicKey.derRepresentation == (try? P256.Signing.PublicKey(certificate.publicKey))?.derRepresentation else {
            throw PKIError.invalidPEM(keyPath, "this key does not belong to the CA certificate \(certificatePath)")
        }
        return CertificateAuthority(certificate: certificate, privateKey: key, trustDomain: trustDomain)
    }

    /// The `spiffe://<domain>` URI SAN of a fleet CA certificate.
    public static func trustDomain(ofCA certificate: Certificate) -> String? {
        let sans = try? certificate.extensions.subjectAlternativeNames
        return (sans ?? SubjectAlternativeNames()).lazy.compactMap { name -> String? in
            if case .uniformResourceIdentifier(let uri) = name, uri.hasPrefix("spiffe://") {
                return String(uri.dropFirst("spiffe://".count))
            }
            return nil
        }.first
    }

    public static func loadCertificate(_ path: String) throws -> Certificate {
        let pem = try SecureFile.read(path)
        do { return try Certificate(pemEncoded: pem) } catch { throw PKIError.invalidPEM(path, "\(error)") }
    }

    private func write(_ issued: IssuedCertificate, certificate: String, key: String, overwrite: Bool) throws {
        if !overwrite {
            for p in [certificate, key] where FileManager.default.fileExists(atPath: p) { throw PKIError.fileExists(p) }
        }
        try SecureFile.write(issued.privateKeyPEM, to: key, mode: 0o600, overwrite: overwrite)
        try SecureFile.write(try issued.certificatePEM, to: certificate, mode: 0o644, overwrite: overwrite)
    }

    private func makeDirectory(_ p: String) throws {
        do {
            try FileManager.default.createDirectory(
                atPath: p, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw PKIError.fileUnwritable(p, (error as NSError).localizedDescription)
        }
    }
}
