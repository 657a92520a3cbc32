@testable import Aggregator
import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import Shared
import Testing
import X509
import TestSupport

/// Enrollment, renewal and revocation with real `aggregator serve`, `aggregator enroll-token`,
/// `aggregator agent` and `edge-agent enroll|run` processes, TLS on loopback.
@Suite struct EnrollmentTests {
    final class Fleet: @unchecked Sendable {
        let aggregator: AggregatorFixture
        let agentDirectory: URL
        let configPath: String
        let journal: String
        var enrollmentPort = 0
        var agent: RunningProcess?

        init(validitySeconds: Int = 30) throws {
            let pki = "enrollment: {host: 127.0.0.1, port: 0, ca_certificate: CA, ca_key: KEY, certificate_validity_s: \(validitySeconds)}"
            aggregator = try AggregatorFixture(extraConfig: pki)
            let directory = aggregator.pki.directory
            let config = try String(contentsOfFile: aggregator.configPath, encoding: .utf8)
                .replacingOccurrences(of: "ca_certificate: CA", with: "ca_certificate: \(directory.caCertificatePath)")
                .replacingOccurrences(of: "ca_key: KEY", with: "ca_key: \(directory.caKeyPath)")
            try config.write(toFile: aggregator.configPath, atomically: true, encoding: .utf8)
            agentDirectory = aggregator.directory.appendingPathComponent("agent-1")
            try FileManager.default.createDirectory(at: agentDirectory, withIntermediateDirectories: true)
            configPath = agentDirectory.appendingPathComponent("agent.yaml").path
            journal = agentDirectory.appendingPathComponent("durable-ids").path
        }

        func start() async throws {
            try await aggregator.start()
            enrollmentPort = Int(try await aggregator.server!.waitFor(#"enrollment_port=(\d+)"#)) ?? 0
            try writeAgentConfig(agentID: "agent-1")
        }

        func writeAgentConfig(agentID: String) throws {
            try """
                agent_id: \(agentID)
                state_directory: state
                spool: {commit_interval_ms: 50}
                metrics: {port: 0}
                admin: {socket: \(agentDirectory.path)/admin.sock}
                shipping:
                  endpoints: [https://127.0.0.1:\(aggregator.port)]
                  tls: {certificate: state/tls/cert.pem, key: state/tls/key.pem, ca: state/tls/ca.pem}
                  batch_max_events: 50
                  backoff_base_ms: 100
                  backoff_cap_ms: 500
                cameras:
                  - {id: cam-1-01, source: "synthetic:walkers"}
                  - {id: cam-1-02, source: "synthetic:crowd"}
                """.write(toFile: configPath, atomically: true, encoding: .utf8)
        }

        var certificatePath: String { agentDirectory.appendingPathComponent("state/tls/cert.pem").path }
        var keyPath: String { agentDirectory.appendingPathComponent("state/tls/key.pem").path }

        func token(agent: String, ttl: String = "1h") throws -> String {
            let out = try ProcessRunner.run("aggregator", ["enroll-token", "create", "--config", aggregator.configPath, "--agent", agent, "--ttl", ttl, "--json"])
            #expect(out.status == 0, "\(out.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]
            return object?["token"] as? String ?? ""
        }

        func enroll(_ token: String, force: Bool = true) throws -> ProcessRunner.Output {
            try ProcessRunner.run("edge-agent", [
                "enroll", "--config", configPath, "--server", "https://127.0.0.1:\(enrollmentPort)", "--token", token,
                "--ca", aggregator.pki.directory.caCertificatePath,
            ] + (force ? ["--force"] : []))
        }

        func startAgent() async throws {
            let agent = try RunningProcess("edge-agent", ["run", "--config", configPath, "--synthetic-speed", "50", "--durable-ids", journal])
            self.agent = agent
            _ = try await agent.waitFor("agent running")
        }

        func storedCount() throws -> Int { try stored().rows }

        func stored() throws -> (ids: Set<Int64>, rows: Int) { try aggregator.storedEvents(agent: "agent-1") }

        var journalled: Set<Int64> { durableIDs(journal: journal) }

        /// POST /v1/renew on the ingest listener with the enrolled certificate and a CSR for `identity`.
        func renew(asking identity: String) async throws -> (status: Int, body: String) {
            let tls = try TLSConfigurations.client(certificatePath: certificatePath, keyPath: keyPath, serverCAPath: aggregator.pki.directory.caCertificatePath)
            // The connection gets 30 s and a second try: under the full suite on two cores a loopback
            // handshake once took longer than the client's default 10 s (CI, stop 18).
            var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
            configuration.timeout.connect = .seconds(30)
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            defer { _ = client.shutdown() }
            let csr = try AgentCSR.make(identity: try AgentIdentity(trustDomain: "testcity", agentID: identity), key: P256.Signing.PrivateKey())
            var request = HTTPClientRequest(url: "https://127.0.0.1:\(aggregator.port)/v1/renew")
            request.method = .POST
            request.body = .bytes(ByteBuffer(string: csr.pem))
            var attempt = 0
            while true {
                attempt += 1
                do {
                    let response = try await client.execute(request, timeout: .seconds(40))
                    let body = try await response.body.collect(upTo: 1 << 20)
                    return (Int(response.status.code), String(buffer: body))
                } catch let error as HTTPClientError where error == .connectTimeout && attempt < 2 {
                    continue
                }
            }
        }


        func cleanUp() async {
            _ = await agent?.terminate()
            await aggregator.cleanUp()
        }
    }

    @Test func enrollment_issuesTheCertificate_andRefusesReuseExpiryAndAnotherIdentity() async throws {
        let fleet = try Fleet()
        defer { Task { await fleet.cleanUp() } }
        try await fleet.start()

        let token = try fleet.token(agent: "agent-1")
        #expect(token.hasPrefix("cwe_"))
        let first = try fleet.enroll(token, force: false)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("spiffe://testcity/agent/agent-1"))
        let certificate = try PKIDirectory.loadCertificate(fleet.certificatePath)
        #expect(try AgentIdentity(certificate: certificate, trustDomain: "testcity").agentID == "agent-1")
        let lifetime = certificate.notValidAfter.timeIntervalSince(certificate.notValidBefore)
        #expect(abs(lifetime - 33) <= 1, "the configured 30 s (and 3 s back-dated), not \(lifetime)")
        let mode = (try FileManager.default.attributesOfItem(atPath: fleet.keyPath)[.posixPermissions] as? Int) ?? 0
        #expect(mode == 0o600, "the key must be private, is \(String(mode, radix: 8))")

        // A valid certificate is not replaced by accident.
        let again = try fleet.enroll(try fleet.token(agent: "agent-1"), force: false)
        #expect(again.status != 0 && again.stderr.contains("--force"), "\(again.stderr)")

        let reused = try fleet.enroll(token)
        #expect(reused.status == 1 && reused.stderr.contains("token_used") && reused.stderr.contains("one-time"), "\(reused.stderr)")

        let shortLived = try fleet.token(agent: "agent-1", ttl: "1s")
        try await Task.sleep(for: .milliseconds(1_500))
        let expired = try fleet.enroll(shortLived)
        #expect(expired.status == 1 && expired.stderr.contains("token_expired"), "\(expired.stderr)")

        let othersToken = try fleet.token(agent: "agent-2")
        let mismatch = try fleet.enroll(othersToken)
        #expect(mismatch.status == 1 && mismatch.stderr.contains("identity_mismatch") && mismatch.stderr.contains("'agent-2'"), "\(mismatch.stderr)")
        // That token was not spent by the refused attempt: agent-2 can still use it.
        try fleet.writeAgentConfig(agentID: "agent-2")
        let theirs = try fleet.enroll(othersToken)
        #expect(theirs.status == 0, "\(theirs.stderr)")
        try fleet.writeAgentConfig(agentID: "agent-1")
        #expect(try fleet.enroll(try fleet.token(agent: "agent-1")).status == 0)

        let garbage = try fleet.enroll("cwe_nothing")
        #expect(garbage.status == 1 && garbage.stderr.contains("malformed_token"), "\(garbage.stderr)")

        // Renewal asks for the identity of the certificate presented, not another.
        let renewal = try await fleet.renew(asking: "agent-2")
        #expect(renewal.status == 403 && renewal.body.contains("identity_mismatch"), "\(renewal)")
        let own = try await fleet.renew(asking: "agent-1")
        #expect(own.status == 200 && own.body.contains("BEGIN CERTIFICATE"), "\(own)")
    }

    @Test func aRevokedAgent_isRefusedAtOnce_andDeliversEverythingOnceReinstated() async throws {
        let fleet = try Fleet(validitySeconds: 3600)
        defer { Task { await fleet.cleanUp() } }
        try await fleet.start()
        #expect(try fleet.enroll(try fleet.token(agent: "agent-1")).status == 0)
        try await fleet.startAgent()
        #expect(try await eventually(.seconds(30)) { try fleet.storedCount() > 0 }, "events arrive with the enrolled certificate")

        let revoke = try ProcessRunner.run("aggregator", ["agent", "revoke", "agent-1", "--config", fleet.aggregator.configPath, "--reason", "stolen box"])
        #expect(revoke.status == 0 && revoke.stdout.contains("revoked"), "\(revoke.stderr)")
        _ = try await fleet.agent!.waitFor("agent_revoked", timeout: .seconds(30))
        // Batches admitted before the revocation may still commit; then the count stops for good.
        var frozen = try fleet.storedCount()
        var stable = false
        let deadline = ContinuousClock.now + .seconds(30)
        while !stable, ContinuousClock.now < deadline {
            try await Task.sleep(for: .seconds(2))
            let now = try fleet.storedCount()
            stable = now == frozen
            frozen = now
        }
        #expect(stable, "a revoked agent's batches are refused")
        #expect(try await eventually(.seconds(30)) { fleet.journalled.count > frozen }, "…while the agent keeps spooling")
        try await Task.sleep(for: .seconds(2))
        #expect(try fleet.storedCount() == frozen)

        let renewal = try await fleet.renew(asking: "agent-1")
        #expect(renewal.status == 403 && renewal.body.contains("agent_revoked"), "\(renewal)")
        let token = try ProcessRunner.run("aggregator", ["enroll-token", "create", "--config", fleet.aggregator.configPath, "--agent", "agent-1"])
        #expect(token.status == 1 && token.stderr.contains("revoked"), "\(token.stderr)")
        let list = try ProcessRunner.run("aggregator", ["agent", "revoked", "--config", fleet.aggregator.configPath])
        #expect(list.stdout.contains("agent-1") && list.stdout.contains("stolen box"))

        // Reinstated: the spool drains; nothing durable was lost while refused, nothing doubles.
        #expect(try ProcessRunner.run("aggregator", ["agent", "reinstate", "agent-1", "--config", fleet.aggregator.configPath]).status == 0)
        #expect(await fleet.agent!.terminate() == 0)
        try await fleet.startAgent()
        let journalled = fleet.journalled
        let delivered = try await eventually(.seconds(60)) { journalled.isSubset(of: try fleet.stored().ids) }
        let stored = try fleet.stored()
        #expect(delivered, "\(journalled.subtracting(stored.ids).count) durable events missing after reinstatement")
        #expect(stored.rows == stored.ids.count, "no event stored twice")
    }

    @Test func rotationUnderLoad_switchesCertificates_withoutLosingOrDoublingEvents() async throws {
        let fleet = try Fleet(validitySeconds: 45)
        defer { Task { await fleet.cleanUp() } }
        try await fleet.start()
        #expect(try fleet.enroll(try fleet.token(agent: "agent-1")).status == 0)
        let original = try PKIDirectory.loadCertificate(fleet.certificatePath)
        try await fleet.startAgent()
        _ = try await fleet.agent!.waitFor("certificate renewed", timeout: .seconds(60))
        let renewed = try PKIDirectory.loadCertificate(fleet.certificatePath)
        #expect(renewed.serialNumber != original.serialNumber)
        #expect(renewed.publicKey != original.publicKey, "renewal makes a new key")
        // Past the first certificate's expiry, events still arrive: the new one is in use.
        let wait = original.notValidAfter.timeIntervalSinceNow + 2
        if wait > 0 { try await Task.sleep(for: .seconds(wait)) }
        let before = try fleet.storedCount()
        #expect(try await eventually(.seconds(20)) { try fleet.storedCount() > before }, "events flow after the first certificate expired")

        // Everything made durable so far, under either certificate, is delivered exactly once.
        let journalled = fleet.journalled
        let delivered = try await eventually(.seconds(30)) { journalled.isSubset(of: try fleet.stored().ids) }
        #expect(await fleet.agent!.terminate() == 0)
        fleet.agent = nil
        let stored = try fleet.stored()
        print("rotation: \(journalled.count) durable events, \(stored.ids.count) stored, \(journalled.subtracting(stored.ids).count) missing, \(stored.rows - stored.ids.count) doubled")
        #expect(delivered && stored.rows == stored.ids.count)
    }
}
