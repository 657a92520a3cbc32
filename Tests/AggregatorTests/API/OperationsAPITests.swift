@testable import Aggregator
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Shared
import Testing
import TestSupport

/// The operations API of a real `aggregator serve` (plain HTTP on loopback), with tokens made by the
/// real `aggregator token` CLI and events sent by a real mTLS client.
@Suite(.serialized) struct OperationsAPITests {
    final class World {
        let aggregator: AggregatorFixture
        let scenarios: URL
        var apiPort = 0
        var tokens: [String: String] = [:]
        /// The process-wide client: nothing to shut down, so a failed expectation cannot leave one behind.
        let client = HTTPClient.shared

        init() throws {
            let scratch = try TestPaths.temporaryDirectory("api")
            scenarios = scratch.appendingPathComponent("scenarios")
            try FileManager.default.createDirectory(at: scenarios, withIntermediateDirectories: true)
            try """
                id: test.any-start
                title: Any event starts
                domain: security
                severity: high
                match: {phase: start}
                cooldown: 1s
                dedup: camera
                """.write(to: scenarios.appendingPathComponent("any.yaml"), atomically: true, encoding: .utf8)
            aggregator = try AggregatorFixture(extraConfig: """
                scenarios: {directory: \(scenarios.path), lateness_s: 7200}   # the test's events may be minutes old
                api: {host: 127.0.0.1, port: 0}
                """)
        }

        func start() async throws {
            try await aggregator.start()
            apiPort = Int(try await aggregator.server!.waitFor(#"api_port=(\d+)"#)) ?? 0
            for role in ["viewer", "operator", "admin"] {
                let made = try ProcessRunner.run("aggregator", ["token", "create", "--config", aggregator.configPath, "--role", role, "--name", "test \(role)", "--json"])
                let object = try JSONSerialization.jsonObject(with: Data(made.stdout.utf8)) as? [String: Any]
                tokens[role] = object?["token"] as? String
            }
        }

        func stop() async {
            await aggregator.cleanUp()
        }

        struct Reply {
            var status: Int
            var json: [String: Any]
            var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
            var items: [[String: Any]] { json["items"] as? [[String: Any]] ?? [] }
        }

        func call(_ path: String, method: HTTPMethod = .GET, as role: String?) async throws -> Reply {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(apiPort)\(path)")
            request.method = method
            if let role { request.headers.add(name: "Authorization", value: "Bearer \(tokens[role] ?? role)") }
            let response = try await client.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 8 << 20)
            let json = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
            return Reply(status: Int(response.status.code), json: json)
        }

        /// Sends `count` synthetic events of agent-1 in one batch.
        func send(seq: UInt64, count: Int, generator: inout SyntheticEventGenerator, health: AgentHealth? = nil) async throws {
            let (body, _) = try AggregatorFixture.batch(&generator, seq: seq, events: count, health: health)
            let status = try await aggregator.withClient(agent: "agent-1") { try await aggregator.post(body, client: $0).status }
            #expect(status == 200)
        }
    }

    @Test func roles_tokens_events_incidents_andScenarios() async throws {
        let world = try World()
        try await world.start()
        // Captured now: fusion keeps their incidents open (older ones resolve at the first tick).
        var configuration = SyntheticEventGenerator.Configuration()
        configuration.agentID = "agent-1"
        configuration.startTimeMs = Int64(Date().timeIntervalSince1970 * 1000) - 60_000
        var generator = SyntheticEventGenerator(configuration: configuration)
        let health = AgentHealth(
            sampledAtMs: 1_000, spoolBacklogBytes: 4_096, oldestEventAgeMs: 2_500, clockSkewMs: -40, certificateNotAfterMs: 1_900_000_000_000,
            cameras: 8, camerasOnline: 7, tamperedCameras: ["cam-1-02"], deadLetters: 1, evictedEvents: 3)
        try await world.send(seq: 1, count: 60, generator: &generator, health: health)

        // Authentication and roles.
        #expect(try await world.call("/v1/events", as: nil).status == 401)
        #expect(try await world.call("/v1/events", as: nil).errorCode == "unauthenticated")
        #expect(try await world.call("/v1/events", as: "cw_000000000000_" + String(repeating: "0", count: 48)).status == 401)
        for role in ["viewer", "operator", "admin"] { #expect(try await world.call("/v1/events", as: role).status == 200) }
        #expect(try await world.call("/v1/scenarios/reload", method: .POST, as: "viewer").status == 403)
        #expect(try await world.call("/v1/scenarios/reload", method: .POST, as: "operator").errorCode == "forbidden")
        #expect(try await world.call("/v1/scenarios/reload", method: .POST, as: "admin").json["scenarios"] as? Int == 1)
        #expect(try await world.call("/healthz", as: nil).status == 200)

        // Events: newest first, cursor paging without overlap, bad parameters are 400, injection is data.
        let first = try await world.call("/v1/events?limit=25", as: "viewer")
        #expect(first.items.count == 25)
        let cursor = try #require(first.json["next_cursor"] as? String)
        let second = try await world.call("/v1/events?limit=25&cursor=\(cursor)", as: "viewer")
        let ids = { (r: World.Reply) in Set(r.items.compactMap { ($0["event"] as? [String: Any])?["event_id"] as? Int }) }
        #expect(ids(first).isDisjoint(with: ids(second)) && ids(second).count == 25)
        let times = first.items.compactMap { ($0["event"] as? [String: Any])?["capture_time_ms"] as? Int }
        #expect(times == times.sorted(by: >))
        for bad in ["limit=0", "limit=5000", "limit=x", "cursor=zzz", "from=yesterday", "min_severity=urgent"] {
            let reply = try await world.call("/v1/events?\(bad)", as: "viewer")
            #expect(reply.status == 400 && reply.errorCode == "bad_parameter", "\(bad): \(reply.status)")
        }
        #expect(try await world.call("/v1/events?district=north%27%20OR%201%3D1%20--", as: "viewer").items.isEmpty)
        #expect(try await world.call("/v1/events?district=north", as: "viewer").status == 200)

        // Activations and incidents from the scenario engine and fusion.
        var activations = World.Reply(status: 0, json: [:])
        for _ in 0..<50 where activations.items.isEmpty {
            activations = try await world.call("/v1/activations", as: "viewer")
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(activations.items.first?["scenario_id"] as? String == "test.any-start")
        var incidents = World.Reply(status: 0, json: [:])
        for _ in 0..<50 where incidents.items.isEmpty {
            incidents = try await world.call("/v1/incidents?status=open", as: "viewer")
            try await Task.sleep(for: .milliseconds(200))
        }
        let incident = try #require(incidents.items.first?["id"] as? String)
        #expect(try await world.call("/v1/incidents/\(incident)", as: "viewer").json["id"] as? String == incident)
        #expect(try await world.call("/v1/incidents/nope", as: "viewer").status == 404)
        #expect(try await world.call("/v1/incidents/\(incident)/acknowledge", method: .POST, as: "viewer").status == 403)
        #expect(try await world.call("/v1/incidents/\(incident)/acknowledge", method: .POST, as: "operator").json["status"] as? String == "acknowledged")
        #expect(try await world.call("/v1/incidents/\(incident)/resolve", method: .POST, as: "operator").json["status"] as? String == "resolved")
        #expect(try await world.call("/v1/incidents/\(incident)/acknowledge", method: .POST, as: "operator").errorCode == "incident_resolved")
        #expect(try await world.call("/v1/incidents?status=bogus", as: "viewer").status == 400)

        // Scenarios: list, disable, a broken directory refused with file:line.
        #expect(try await world.call("/v1/scenarios", as: "viewer").items.first?["enabled"] as? Bool == true)
        #expect(try await world.call("/v1/scenarios/test.any-start/disable", method: .POST, as: "admin").status == 200)
        #expect(try await world.call("/v1/scenarios", as: "viewer").items.first?["enabled"] as? Bool == false)
        #expect(try await world.call("/v1/scenarios/nope/disable", method: .POST, as: "admin").status == 404)
        try "id: broken\ntitle: B\ndomain: water\nseverity: high\nmatch: {kind: water_level, district: [atlantis]}\n"
            .write(to: world.scenarios.appendingPathComponent("broken.yaml"), atomically: true, encoding: .utf8)
        let refused = try await world.call("/v1/scenarios/reload", method: .POST, as: "admin")
        #expect(refused.status == 422)
        let errors = (refused.json["error"] as? [String: Any])?["errors"] as? [String] ?? []
        #expect(errors.contains { $0.contains("broken.yaml:5:") && $0.contains("atlantis") }, "\(errors)")
        #expect(try await world.call("/v1/scenarios", as: "viewer").items.count == 1, "the running set stays")

        // Fleet and hourly statistics.
        let fleet = try await world.call("/v1/fleet", as: "viewer").items
        #expect(fleet.map { $0["agent_id"] as? String } == ["agent-1", "agent-2"])
        #expect((fleet.first?["store"] as? [String: Any])?["events"] as? Int == 60)
        #expect((fleet.first?["cameras"] as? [[String: Any]])?.count == 8)
        #expect((fleet.first?["cameras"] as? [[String: Any]])?.contains { $0["last_event_ms"] is Int } == true)
        #expect((fleet.last?["cameras"] as? [[String: Any]])?.allSatisfy { $0["last_event_ms"] == nil } == true)
        #expect(fleet.last?["store"] == nil, "agent-2 never sent")
        // What the agent said about itself with its batch.
        let reported = try #require(fleet.first?["health"] as? [String: Any])
        #expect(reported["spool_backlog_bytes"] as? Int == 4_096 && reported["oldest_event_age_ms"] as? Int == 2_500)
        #expect(reported["clock_skew_ms"] as? Int == -40 && reported["certificate_not_after_ms"] as? Int == 1_900_000_000_000)
        #expect(reported["cameras_online"] as? Int == 7 && reported["tampered_cameras"] as? [String] == ["cam-1-02"])
        #expect(reported["received_ms"] is Int && reported["dead_letters"] as? Int == 1)
        #expect(fleet.last?["health"] == nil)
        let hourly = try await world.call("/v1/stats/hourly", as: "viewer").items
        #expect(hourly.reduce(0) { $0 + ($1["count"] as? Int ?? 0) } == 60)
        #expect(try await world.call("/v1/stats/hourly?from=0&to=999999999999", as: "viewer").errorCode == "bad_parameter")

        // The city model.
        #expect((try await world.call("/v1/city", as: "viewer").json["districts"] as? [[String: Any]])?.count == 2)

        // Revocation takes effect on the next request.
        let listed = try ProcessRunner.run("aggregator", ["token", "list", "--config", world.aggregator.configPath, "--json"])
        let viewerID = try #require(listed.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.first { $0["role"] as? String == "viewer" }?["id"] as? String)
        #expect(!listed.stdout.contains(world.tokens["viewer"]!), "secrets are never listed")
        #expect(try ProcessRunner.run("aggregator", ["token", "revoke", "--config", world.aggregator.configPath, viewerID]).status == 0)
        #expect(try await world.call("/v1/events", as: "viewer").status == 401)
        #expect(try await world.call("/v1/events", as: "operator").status == 200)
        await world.stop()
    }

    @Test func liveStream_deliversActivations_whileAnotherClientNeverReads() async throws {
        let world = try World()
        try await world.start()
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(world.apiPort)/v1/stream?types=activation")
        request.headers.add(name: "Authorization", value: "Bearer \(world.tokens["viewer"]!)")
        let response = try await world.client.execute(request, timeout: .seconds(30))
        #expect(response.headers.first(name: "Content-Type") == "text/event-stream")
        // A second client that never reads: its buffer is bounded (LiveFeed keeps the newest 256).
        var idle = HTTPClientRequest(url: "http://127.0.0.1:\(world.apiPort)/v1/stream")
        idle.headers.add(name: "Authorization", value: "Bearer \(world.tokens["viewer"]!)")
        let idleResponse = try await world.client.execute(idle, timeout: .seconds(30))
        #expect(idleResponse.status == .ok)
        var generator = AggregatorFixture.generator(agent: "agent-1")
        try await world.send(seq: 1, count: 20, generator: &generator)
        let received = try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask {
                var text = ""
                for try await chunk in response.body {
                    text += String(buffer: chunk)
                    if text.contains("event: activation") && text.contains("\n\n", after: "event: activation") { return text }
                }
                return text
            }
            group.addTask {
                try await Task.sleep(for: .seconds(20))
                return "timeout"
            }
            let first = try await group.next() ?? ""
            group.cancelAll()
            return first
        }
        #expect(received.contains("event: activation"), "\(received)")
        #expect(received.contains(#""scenario_id":"test.any-start""#))
        // SIGTERM with two streams still open: they end, and the server stops gracefully.
        #expect(await world.aggregator.stop() == 0)
        _ = idleResponse
        await world.stop()
    }

    /// Every route × every role: no token 401, a role below the route's 403, at or above it not
    /// refused (2xx, or 404/409/422 for ids and states that do not exist here).
    @Test func everyRoute_byEveryRole() async throws {
        let world = try World()
        try await world.start()
        let routes: [(HTTPMethod, String, String)] = [
            (.GET, "/v1/events", "viewer"), (.GET, "/v1/incidents", "viewer"), (.GET, "/v1/incidents/x", "viewer"),
            (.POST, "/v1/incidents/x/acknowledge", "operator"), (.POST, "/v1/incidents/x/resolve", "operator"),
            (.GET, "/v1/activations", "viewer"), (.GET, "/v1/scenarios", "viewer"), (.POST, "/v1/scenarios/reload", "admin"),
            (.POST, "/v1/scenarios/test.any-start/disable", "admin"), (.POST, "/v1/scenarios/test.any-start/enable", "admin"),
            (.GET, "/v1/city", "viewer"), (.GET, "/v1/fleet", "viewer"), (.GET, "/v1/stats/hourly", "viewer"), (.GET, "/metrics", "viewer"),
        ]
        let ranks = ["viewer": 0, "operator": 1, "admin": 2]
        for (method, path, needed) in routes {
            #expect(try await world.call(path, method: method, as: nil).status == 401, "\(path) without a token")
            for role in ["viewer", "operator", "admin"] {
                let status = try await world.call(path, method: method, as: role).status
                if ranks[role]! < ranks[needed]! {
                    #expect(status == 403, "\(method) \(path) as \(role): \(status)")
                } else {
                    #expect([200, 404, 409, 422].contains(status), "\(method) \(path) as \(role): \(status)")
                }
            }
        }
        await world.stop()
    }

    /// The ops CLI against the running API: tables, JSON lines, API errors and an unreachable API.
    @Test func opsCLI_listsThroughTheAPI() async throws {
        let world = try World()
        try await world.start()
        var generator = AggregatorFixture.generator(agent: "agent-1")
        try await world.send(seq: 1, count: 12, generator: &generator)
        let api = ["--api", "http://127.0.0.1:\(world.apiPort)", "--token", world.tokens["viewer"]!]
        let events = try ProcessRunner.run("aggregator", ["events", "--limit", "5", "--json"] + api)
        #expect(events.status == 0, "\(events.stderr)")
        let lines = events.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.count == 5 && lines.allSatisfy { $0["agent_id"] as? String == "agent-1" })
        let table = try ProcessRunner.run("aggregator", ["agents"] + api)
        #expect(table.status == 0 && table.stdout.contains("agent-1") && table.stdout.hasPrefix("agent"), "\(table.stdout)")
        let incidents = try ProcessRunner.run("aggregator", ["incidents", "--status", "open"] + api)
        #expect(incidents.status == 0, "\(incidents.stderr)")
        let forbidden = try ProcessRunner.run("aggregator", ["incidents", "ack", "nope"] + api)
        #expect(forbidden.status == 1 && forbidden.stderr.contains("HTTP 403 forbidden"), "\(forbidden.stderr)")
        let badToken = try ProcessRunner.run("aggregator", ["events", "--api", "http://127.0.0.1:\(world.apiPort)", "--token", "nonsense"])
        #expect(badToken.status == 1 && badToken.stderr.contains("unauthenticated"))
        let scenarios = try ProcessRunner.run("aggregator", ["scenarios", "list"] + api)
        #expect(scenarios.status == 0 && scenarios.stdout.contains("test.any-start"), "\(scenarios.stdout)\(scenarios.stderr)")
        let reloadAsViewer = try ProcessRunner.run("aggregator", ["scenarios", "reload"] + api)
        #expect(reloadAsViewer.status == 1 && reloadAsViewer.stderr.contains("HTTP 403"))
        let reload = try ProcessRunner.run("aggregator", ["scenarios", "reload", "--api", "http://127.0.0.1:\(world.apiPort)", "--token", world.tokens["admin"]!])
        #expect(reload.status == 0 && reload.stdout.contains("reloaded: 1 scenarios"), "\(reload.stdout)\(reload.stderr)")
        let port = try PostgresServer.freePort()
        let unreachable = try ProcessRunner.run("aggregator", ["events", "--api", "http://127.0.0.1:\(port)", "--token", "x"])
        #expect(unreachable.status == 69 && unreachable.stderr.contains("cannot reach the API"))
        await world.stop()
    }

    /// The served OpenAPI document validates (openapi-spec-validator) and schemathesis, generating
    /// requests from it against the running server with an admin token, finds no 5xx, no undocumented
    /// status, content type or response shape (bounded: 20 examples per operation).
    @Test func openAPIDocument_isValid_andTheServerKeepsIt() async throws {
        let world = try World()
        try await world.start()
        var generator = AggregatorFixture.generator(agent: "agent-1")
        try await world.send(seq: 1, count: 30, generator: &generator)
        let python = ProcessInfo.processInfo.environment["CITYWATCH_PYTHON"] ?? "/usr/bin/python3"
        let venvBin = URL(fileURLWithPath: python).deletingLastPathComponent()
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(world.apiPort)/openapi.yaml")
        request.method = .GET
        let response = try await world.client.execute(request, timeout: .seconds(10))
        let document = String(buffer: try await response.body.collect(upTo: 1 << 20))
        let file = world.scenarios.deletingLastPathComponent().appendingPathComponent("openapi.yaml")
        try document.write(to: file, atomically: true, encoding: .utf8)
        let validated = try ProcessRunner.runTool(venvBin.appendingPathComponent("openapi-spec-validator").path, [file.path])
        #expect(validated.status == 0, "\(validated.stdout)\(validated.stderr)")
        let run = try ProcessRunner.runTool(venvBin.appendingPathComponent("schemathesis").path, [
            "run", "http://127.0.0.1:\(world.apiPort)/openapi.yaml", "-H", "Authorization: Bearer \(world.tokens["admin"]!)",
            "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--exclude-path", "/v1/stream", "-n", "20", "--request-timeout", "10", "--no-color",
        ], timeout: .seconds(240))
        #expect(run.status == 0, "\(run.stdout.suffix(3000))\(run.stderr.suffix(2000))")
        #expect(run.stdout.contains("passed"))
        await world.stop()
    }
}

extension String {
    /// True when `needle` occurs after the first occurrence of `marker`.
    fileprivate func contains(_ needle: String, after marker: String) -> Bool {
        guard let r = range(of: marker) else { return false }
        return self[r.upperBound...].contains(needle)
    }
}
