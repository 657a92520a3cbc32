import Foundation
import NIOSSL
import Shared
import Testing
import TestSupport

/// Real TLS 1.3 handshakes on loopback with the configurations the agent and aggregator use.
@Suite struct MutualTLSTests {
    func server(_ pki: TestPKI) throws -> TLSConfiguration {
        try TLSConfigurations.server(
            certificatePath: pki.directory.serverCertificatePath, keyPath: pki.directory.serverKeyPath,
            clientCAPath: pki.directory.caCertificatePath)
    }

    @Test func agentWithFleetCertificate_isIdentified() async throws {
        let pki = try TestPKI(city: "testcity", agents: ["agent-42"])
        defer { pki.cleanUp() }
        let client = try TLSConfigurations.client(
            certificatePath: pki.directory.agentCertificatePath("agent-42"), keyPath: pki.directory.agentKeyPath("agent-42"),
            serverCAPath: pki.directory.caCertificatePath)
        let outcome = try await TLSHandshakeHarness.run(server: try server(pki), client: client, trustDomain: "testcity")
        #expect(try outcome.client.get() == "agent=agent-42\n")
        #expect(outcome.serverIdentities == ["agent-42"])
    }

    @Test func clientWithoutCertificate_isRefusedAtTheHandshake() async throws {
        let pki = try TestPKI()
        defer { pki.cleanUp() }
        var client = TLSConfiguration.makeClientConfiguration()
        client.minimumTLSVersion = .tlsv13
        client.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(pki.directory.caCertificatePath))
        let outcome = try await TLSHandshakeHarness.run(server: try server(pki), client: client, trustDomain: "testcity")
        #expect(outcome.serverIdentities.isEmpty)
        #expect((try? outcome.client.get())?.contains("agent=") != true)
        #expect(!outcome.serverErrors.isEmpty)
    }

    @Test func certificateFromAnotherCA_isRefusedAtTheHandshake() async throws {
        let pki = try TestPKI()
        let rogue = try TestPKI(agents: ["agent-1"])
        defer { pki.cleanUp(); rogue.cleanUp() }
        let client = try TLSConfigurations.client(
            certificatePath: rogue.directory.agentCertificatePath("agent-1"), keyPath: rogue.directory.agentKeyPath("agent-1"),
            serverCAPath: pki.directory.caCertificatePath)
        let outcome = try await TLSHandshakeHarness.run(server: try server(pki), client: client, trustDomain: "testcity")
        #expect(outcome.serverIdentities.isEmpty)
        #expect((try? outcome.client.get())?.contains("agent=") != true)
        #expect(!outcome.serverErrors.isEmpty, "the server saw no failed handshake")
    }

    @Test func expiredCertificate_isRefusedAtTheHandshake() async throws {
        let pki = try TestPKI(agents: [])
        defer { pki.cleanUp() }
        let expired = try pki.ca.issueAgent(agentID: "old", days: 1, now: Date().addingTimeInterval(-10 * 86_400))
        try pki.directory.writeAgent("old", expired, overwrite: false)
        let client = try TLSConfigurations.client(
            certificatePath: pki.directory.agentCertificatePath("old"), keyPath: pki.directory.agentKeyPath("old"),
            serverCAPath: pki.directory.caCertificatePath)
        let outcome = try await TLSHandshakeHarness.run(server: try server(pki), client: client, trustDomain: "testcity")
        #expect(outcome.serverIdentities.isEmpty)
        #expect((try? outcome.client.get())?.contains("agent=") != true)
        #expect(!outcome.serverErrors.isEmpty, "the server saw no failed handshake")
    }

    @Test func tls12Client_isRefused() async throws {
        let pki = try TestPKI()
        defer { pki.cleanUp() }
        var client = try TLSConfigurations.client(
            certificatePath: pki.directory.agentCertificatePath("agent-1"), keyPath: pki.directory.agentKeyPath("agent-1"),
            serverCAPath: pki.directory.caCertificatePath)
        client.minimumTLSVersion = .tlsv12
        client.maximumTLSVersion = .tlsv12
        let outcome = try await TLSHandshakeHarness.run(server: try server(pki), client: client, trustDomain: "testcity")
        #expect(outcome.serverIdentities.isEmpty)
        #expect((try? outcome.client.get())?.contains("agent=") != true)
        #expect(!outcome.serverErrors.isEmpty, "the server saw no failed handshake")
    }

    @Test func missingKeyFile_namesThePath() throws {
        let error = #expect(throws: PKIError.self) {
            try TLSConfigurations.server(certificatePath: "/nonexistent/s.pem", keyPath: "/nonexistent/k.pem", clientCAPath: "/nonexistent/ca.pem")
        }
        #expect(error?.message.contains("/nonexistent/s.pem") == true)
    }
}
