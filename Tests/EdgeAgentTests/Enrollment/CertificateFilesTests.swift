import Crypto
@testable import EdgeAgent
import Foundation
import Shared
import SwiftASN1
import Testing
import TestSupport
import X509

/// The certificate and key are replaced as a pair; a crash at any point leaves a matching pair.
@Suite struct CertificateFilesTests {
    struct Setup {
        let directory: URL
        let files: CertificateFiles
        let ca: CertificateAuthority

        init() throws {
            directory = try TestPaths.temporaryDirectory("certfiles")
            files = CertificateFiles(certificatePath: directory.appendingPathComponent("tls/cert.pem").path, keyPath: directory.appendingPathComponent("tls/key.pem").path)
            ca = try CertificateAuthority.create(trustDomain: "testcity")
        }

        func issue(for key: P256.Signing.PrivateKey) throws -> String {
            let csr = try AgentCSR.make(identity: try AgentIdentity(trustDomain: "testcity", agentID: "agent-1"), key: key)
            return try ca.issueAgent(csr, validity: 3600).serializeAsPEM().pemString
        }

        /// True when the installed certificate is for the installed key.
        func pairMatches() throws -> Bool {
            let key = try P256.Signing.PrivateKey(pemRepresentation: try SecureFile.read(files.keyPath))
            return (try? files.check(certificatePEM: try SecureFile.read(files.certificatePath), key: key)) != nil
        }
    }

    @Test func install_writesAMatchingPair_withAPrivateKey() throws {
        let s = try Setup()
        defer { try? FileManager.default.removeItem(at: s.directory) }
        let key = P256.Signing.PrivateKey()
        try s.files.install(certificatePEM: try s.issue(for: key), key: key)
        #expect(try s.pairMatches())
        #expect(try FileManager.default.attributesOfItem(atPath: s.files.keyPath)[.posixPermissions] as? Int == 0o600)
        #expect(!FileManager.default.fileExists(atPath: s.files.nextKeyPath) && !FileManager.default.fileExists(atPath: s.files.nextCertificatePath))
    }

    @Test func install_refusesACertificateForAnotherKey() throws {
        let s = try Setup()
        defer { try? FileManager.default.removeItem(at: s.directory) }
        #expect(throws: CertificateFilesError.self) { try s.files.install(certificatePEM: try s.issue(for: P256.Signing.PrivateKey()), key: P256.Signing.PrivateKey()) }
        #expect(!FileManager.default.fileExists(atPath: s.files.keyPath), "nothing installed")
    }

    /// Each crash point of `install`: after both .next files, after the key's rename, or with a
    /// torn certificate. Recovery always leaves a matching pair (the new one when it was whole).
    @Test func recover_afterACrashAtEachPoint_leavesAMatchingPair() throws {
        for point in ["both-written", "key-renamed", "torn-certificate"] {
            let s = try Setup()
            defer { try? FileManager.default.removeItem(at: s.directory) }
            let old = P256.Signing.PrivateKey(), new = P256.Signing.PrivateKey()
            try s.files.install(certificatePEM: try s.issue(for: old), key: old)
            let newPEM = try s.issue(for: new)
            try SecureFile.write(new.pemRepresentation, to: s.files.nextKeyPath, mode: 0o600, overwrite: true)
            try SecureFile.write(point == "torn-certificate" ? String(newPEM.prefix(100)) : newPEM, to: s.files.nextCertificatePath, mode: 0o644, overwrite: true)
            if point == "key-renamed" { #expect(rename(s.files.nextKeyPath, s.files.keyPath) == 0) }

            let outcome = s.files.recover()
            #expect(outcome != nil, "\(point): something to recover")
            #expect(try s.pairMatches(), "\(point): a matching pair after recovery")
            let installedKey = try SecureFile.read(s.files.keyPath)
            #expect(installedKey == (point == "torn-certificate" ? old : new).pemRepresentation, "\(point)")
            #expect(s.files.recover() == nil, "\(point): recovery is done once")
        }
    }
}
