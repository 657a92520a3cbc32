import Foundation
import Shared
import Testing
import TestSupport
import X509

/// `aggregator pki` as an operator runs it: a real process, real files.
@Suite struct PKICommandTests {
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pki-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func initAndIssueAgent_produceAVerifiableFleet() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pki = dir.appendingPathComponent("pki").path
        let created = try ProcessRunner.run(
            "aggregator", ["pki", "init", "--dir", pki, "--city", "river-city", "--dns", "agg.local", "--ip", "127.0.0.1", "--json"])
        #expect(created.status == 0, "\(created.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: String]
        #expect(summary?["trust_domain"] == "spiffe://river-city")

        let issued = try ProcessRunner.run("aggregator", ["pki", "issue-agent", "--dir", pki, "--agent-id", "north-1"])
        #expect(issued.status == 0, "\(issued.stderr)")
        #expect(issued.stdout.contains("identity: spiffe://river-city/agent/north-1"))

        let directory = PKIDirectory(path: pki)
        let agent = try PKIDirectory.loadCertificate(directory.agentCertificatePath("north-1"))
        let ca = try PKIDirectory.loadCertificate(directory.caCertificatePath)
        var verifier = Verifier(rootCertificates: CertificateStore([ca])) { RFC5280Policy() }
        guard case .validCertificate = await verifier.validate(leaf: agent, intermediates: CertificateStore()) else {
            Issue.record("agent certificate does not verify against the CA")
            return
        }
        #expect(try AgentIdentity(certificate: agent, trustDomain: "river-city").agentID == "north-1")
        let mode = try FileManager.default.attributesOfItem(atPath: directory.agentKeyPath("north-1"))[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func rerunningInit_refusesToOverwrite_unlessForced() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pki = dir.appendingPathComponent("pki").path
        #expect(try ProcessRunner.run("aggregator", ["pki", "init", "--dir", pki]).status == 0)
        let key = try String(contentsOfFile: "\(pki)/ca-key.pem", encoding: .utf8)
        let again = try ProcessRunner.run("aggregator", ["pki", "init", "--dir", pki])
        #expect(again.status != 0)
        #expect(again.stderr.contains("refusing to overwrite"))
        #expect(try String(contentsOfFile: "\(pki)/ca-key.pem", encoding: .utf8) == key)
        #expect(try ProcessRunner.run("aggregator", ["pki", "init", "--dir", pki, "--force"]).status == 0)
        #expect(try String(contentsOfFile: "\(pki)/ca-key.pem", encoding: .utf8) != key)
    }

    @Test func issueAgent_withoutCA_orWithBadID_failsClearly() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = try ProcessRunner.run("aggregator", ["pki", "issue-agent", "--dir", dir.path, "--agent-id", "a"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("ca.pem"))
        #expect(try ProcessRunner.run("aggregator", ["pki", "init", "--dir", dir.path]).status == 0)
        let bad = try ProcessRunner.run("aggregator", ["pki", "issue-agent", "--dir", dir.path, "--agent-id", "Bad/Id"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("Bad/Id"))
    }
}
