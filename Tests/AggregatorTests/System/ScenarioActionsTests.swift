@testable import Aggregator
import Foundation
import Shared
import Testing
import TestSupport

/// Scenarios in a real `aggregator serve` fed by a real `edge-agent run`: activations are
/// recorded, a webhook receiver (Python, checking the HMAC itself) gets a signed CloudEvent after
/// a failed first attempt, commands travel to the agent in acks, run there, and their results come
/// back in later batches. SIGHUP reloads: a broken directory is refused, the old set stays.
@Suite(.serialized) struct ScenarioActionsTests {
    static let rules = [
        ("any-start.yaml", """
            id: test.any-start
            title: Any event starts
            domain: security
            feeds: C
            severity: high
            match: {phase: start}
            cooldown: 1h
            dedup: camera
            actions:
              - webhook: ops
              - command: {type: set_profile, arguments: {profile: heightened}, target: affected, ttl: 10m}
              - command: {type: take_snapshot, target: affected, ttl: 10m}
            """),
    ]

    struct Setup {
        let aggregator: AggregatorFixture
        let receiver: RunningProcess
        let hooks: String
        let agentDirectory: URL
    }

    func setUp() async throws -> Setup {
        let scratch = try TestPaths.temporaryDirectory("scenario-actions")
        let scenarios = scratch.appendingPathComponent("scenarios")
        try FileManager.default.createDirectory(at: scenarios, withIntermediateDirectories: true)
        for (name, text) in Self.rules { try text.write(to: scenarios.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        let secret = scratch.appendingPathComponent("ops.secret").path
        try "s3cret-key\n".write(toFile: secret, atomically: true, encoding: .utf8)
        let hooks = scratch.appendingPathComponent("hooks.jsonl").path
        let receiver = try RunningProcess(path: "/usr/bin/python3", [
            TestPaths.packageRoot.appendingPathComponent("Tests/Tools/webhook_receiver.py").path, hooks, secret, "1",
        ])
        let hookPort = try await receiver.waitFor(#"port=(\d+)"#)
        let aggregator = try AggregatorFixture(extraConfig: """
            scenarios:
              directory: \(scenarios.path)
              lateness_s: 5
              webhooks:
                - {name: ops, url: "http://127.0.0.1:\(hookPort)/hook", secret_file: \(secret), backoff_base_ms: 200, backoff_cap_ms: 400}
            """)
        try await aggregator.start()
        _ = try await aggregator.server!.waitFor("scenario engine running")
        let agentDirectory = scratch.appendingPathComponent("agent")
        try FileManager.default.createDirectory(at: agentDirectory, withIntermediateDirectories: true)
        let pki = aggregator.pki.directory
        try """
            agent_id: agent-1
            state_directory: state
            spool: {commit_interval_ms: 50}
            metrics: {port: 0}
            shipping:
              endpoints: [https://127.0.0.1:\(aggregator.port)]
              tls: {certificate: \(pki.agentCertificatePath("agent-1")), key: \(pki.agentKeyPath("agent-1")), ca: \(pki.caCertificatePath)}
              batch_max_events: 20
            cameras:
              - {id: cam-1-01, source: "synthetic:walkers"}
            """.write(to: agentDirectory.appendingPathComponent("agent.yaml"), atomically: true, encoding: .utf8)
        return Setup(aggregator: aggregator, receiver: receiver, hooks: hooks, agentDirectory: agentDirectory)
    }

    /// Rows of the operations database, read beside the running server.
    static func query(_ database: String, _ sql: String) throws -> [String] {
        try ProcessRunner.runTool("/usr/bin/python3", [
            "-c", "import sqlite3,sys; c=sqlite3.connect('file:'+sys.argv[1]+'?mode=ro', uri=True); [print('|'.join(map(str, r))) for r in c.execute(sys.argv[2])]",
            database, sql,
        ]).stdout.split(separator: "\n").map(String.init)
    }

    static func poll(_ what: String, timeout: Duration = .seconds(60), _ done: () throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (try? done()) == true { return }
            try await Task.sleep(for: .milliseconds(300))
        }
        Issue.record("timed out waiting for \(what)")
    }

    @Test func activation_webhook_andCommandsRoundTrip_throughARealAgent() async throws {
        let setup = try await setUp()
        let ops = setup.aggregator.directory.appendingPathComponent("operations.sqlite").path
        let agent = try RunningProcess("edge-agent", ["run", "--config", setup.agentDirectory.appendingPathComponent("agent.yaml").path, "--synthetic-speed", "20"])
        _ = try await agent.waitFor("agent running")

        // The agent ran both commands and reported on them; the aggregator recorded the results.
        try await Self.poll("command results") {
            let rows = try Self.query(ops, "SELECT type, status, deliveries, message FROM commands WHERE camera_id = 'cam-1-01' ORDER BY type")
            return rows.count == 2 && rows.allSatisfy { !$0.contains("|pending|") && !$0.contains("|delivered|") }
        }
        let commands = try Self.query(ops, "SELECT type, status, agent_id FROM commands ORDER BY type")
        #expect(commands == ["set_profile|done|agent-1", "take_snapshot|done|agent-1"], "\(commands)")
        // The snapshot the command asked for: the camera's next frame, annotated, named in the result.
        let message = try Self.query(ops, "SELECT message FROM commands WHERE type = 'take_snapshot'").first ?? ""
        #expect(message.hasPrefix("saved snapshots/cam-1-01-") && message.hasSuffix(".png"), "\(message)")
        // The snapshot lane uploads it once the events are delivered: the aggregator keeps the same
        // bytes, and the agent moves its copy to sent/.
        let name = String(message.dropFirst("saved snapshots/".count))
        let archived = setup.aggregator.directory.appendingPathComponent("snapshots/agent-1/" + name).path
        let sent = setup.agentDirectory.appendingPathComponent("state/snapshots/sent/" + name).path
        try await Self.poll("the snapshot at the aggregator and in the agent's sent/") {
            FileManager.default.fileExists(atPath: archived) && FileManager.default.fileExists(atPath: sent)
        }
        let png = try Data(contentsOf: URL(fileURLWithPath: archived))
        #expect(png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]) && png.count > 1_000)
        #expect(try Data(contentsOf: URL(fileURLWithPath: sent)) == png)
        let activations = try Self.query(ops, "SELECT scenario_id, cameras, districts FROM activations")
        #expect(activations == [#"test.any-start|["cam-1-01"]|["north"]"#], "one activation per camera within the cooldown: \(activations)")

        // The webhook: the first attempt got 500, the retry 204; both signed, the same CloudEvent.
        try await Self.poll("webhook delivery") {
            try Self.query(ops, "SELECT status FROM webhook_deliveries") == ["delivered"]
        }
        let lines = try String(contentsOfFile: setup.hooks, encoding: .utf8).split(separator: "\n")
        let posts = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(posts.count == 2)
        #expect(posts.map { $0["status"] as? Int } == [500, 204])
        #expect(posts.allSatisfy { $0["signature_valid"] as? Bool == true && $0["content_type"] as? String == "application/cloudevents+json" })
        let event = try #require(posts.last?["body"] as? [String: Any])
        #expect(event["specversion"] as? String == "1.0")
        #expect(event["type"] as? String == "city.citywatch.scenario.activation")
        #expect(event["source"] as? String == "/citywatch/testcity/scenarios/test.any-start")
        #expect((event["data"] as? [String: Any])?["scenario_id"] as? String == "test.any-start")
        #expect(Set(posts.compactMap { ($0["body"] as? [String: Any])?["id"] as? String }).count == 1)
        let attempts = try Self.query(ops, "SELECT attempts FROM webhook_deliveries")
        #expect(attempts == ["2"])

        let metrics = try await setup.aggregator.scrapeMetrics()
        #expect(metrics.contains(#"citywatch_scenario_activations_total{scenario="test.any-start"} 1"#), "\(metrics)")
        #expect(metrics.contains(#"citywatch_webhook_deliveries_total{webhook="ops",result="delivered"} 1"#) || metrics.contains(#"citywatch_webhook_deliveries_total{result="delivered",webhook="ops"} 1"#))

        #expect(await agent.terminate() == 0)
        #expect(await setup.receiver.terminate() == 0, "the receiver stops on SIGTERM")
        await setup.aggregator.cleanUp()
    }

    @Test func sighup_refusesABrokenDirectory_andAppliesAFixedOne() async throws {
        let setup = try await setUp()
        let server = try #require(setup.aggregator.server)
        let directory = try #require(Self.scenarioDirectory(setup))
        try "id: broken\ntitle: B\ndomain: water\nseverity: high\nmatch: {kind: water_level, district: [atlantis]}\n"
            .write(toFile: directory + "/broken.yaml", atomically: true, encoding: .utf8)
        kill(server.pid, SIGHUP)
        // Log lines put metadata before the message.
        let refused = try await server.waitFor(#"(broken\.yaml:5:\d+: match\.district)[^\n]*scenario reload refused"#)
        #expect(refused == "broken.yaml:5:38: match.district")
        try "id: fixed\ntitle: F\ndomain: water\nseverity: high\nmatch: {kind: water_level, district: [north]}\n"
            .write(toFile: directory + "/broken.yaml", atomically: true, encoding: .utf8)
        kill(server.pid, SIGHUP)
        #expect(try await server.waitFor(#"scenarios=(\d+)[^\n]*scenarios reloaded"#) == "2")
        #expect(await setup.receiver.terminate() == 0, "the receiver stops on SIGTERM")
        await setup.aggregator.cleanUp()
    }

    static func scenarioDirectory(_ setup: Setup) -> String? {
        let config = (try? String(contentsOfFile: setup.aggregator.configPath, encoding: .utf8)) ?? ""
        return config.split(separator: "\n").first { $0.contains("directory:") }.map {
            $0.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces)
        }
    }
}
