@testable import Aggregator
import Foundation
import Shared
import Testing
import TestSupport

/// `aggregator scenarios check|test|backtest` as real processes.
@Suite struct ScenariosCommandTests {
    static let library = TestPaths.packageRoot.appendingPathComponent("Deploy/scenarios").path

    @Test func checkAndTest_onTheLibrary() throws {
        let check = try ProcessRunner.run("aggregator", ["scenarios", "check", Self.library, "--json"])
        #expect(check.status == 0, "\(check.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])
        #expect(summary["valid"] as? Bool == true)
        #expect((summary["scenarios"] as? Int ?? 0) >= 81)
        let test = try ProcessRunner.run("aggregator", ["scenarios", "test", Self.library, "--scenario", "water.flood-spreading-downstream"])
        #expect(test.status == 0, "\(test.stdout)\(test.stderr)")
        #expect(test.stdout.contains("2/2 fixtures passed for 1 scenarios"))
    }

    @Test func check_exits78_withEveryErrorLocated() throws {
        let dir = try TestPaths.temporaryDirectory("scenarios-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        try "id: x.y\ntitle: T\ndomain: nowhere\nseverity: high\nmatch: {}\n".write(to: dir.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        try "id: x.z\ntitle: T\ndomain: water\nseverity: high\nmatch: {}\ncount: {window: 1m}\n".write(to: dir.appendingPathComponent("b.yaml"), atomically: true, encoding: .utf8)
        let result = try ProcessRunner.run("aggregator", ["scenarios", "check", dir.path])
        #expect(result.status == 78)
        #expect(result.stderr.contains("a.yaml:3:") && result.stderr.contains("domain"), "\(result.stderr)")
        #expect(result.stderr.contains("b.yaml:6:") && result.stderr.contains("count.at_least"), "\(result.stderr)")
        #expect(result.stderr.contains("2 error(s)"))
    }

    /// Events stored in a real SQLite file (the fixture city), then a backtest over them.
    @Test func backtest_reportsWhatWouldHaveFired_fromStoredHistory() async throws {
        let dir = try TestPaths.temporaryDirectory("backtest")
        defer { try? FileManager.default.removeItem(at: dir) }
        let city = try CityModel.load(path: Self.library + "/city.yaml")
        let store = try SQLiteEventStore(path: dir.appendingPathComponent("events.sqlite").path)
        let t0: Int64 = 1_767_225_600_000
        func commit(_ agent: String, _ seq: UInt64, _ events: [Event]) async throws {
            _ = try await store.commit(IngestedBatch(
                agentID: agent, batchSeq: seq, receivedAtMs: t0, events: events,
                districts: events.map { city.camerasByID[$0.cameraID]!.district }, evicted: EvictionReport(), agentVersion: "t"))
        }
        // The flood wave: north's gauge, then the centre's 12 minutes later (stored in the other order).
        try await commit("agent-centre", 1, [Event(id: 1, cameraID: "cam-c-river", kind: .waterLevel, captureTimeMs: t0 + 720_000, severity: .high, attributes: ["water_level_cm": .double(255)])])
        try await commit("agent-north", 1, [Event(id: 1, cameraID: "cam-n-river", kind: .waterLevel, captureTimeMs: t0, severity: .high, attributes: ["water_level_cm": .double(262)])])
        // Noise that fires nothing in the flood rule.
        try await commit("agent-south", 1, (1...50).map { Event(id: UInt64($0), cameraID: "cam-s-yard", kind: .motion, captureTimeMs: t0 + Int64($0) * 1000) })
        await store.close()
        try """
            city: \(Self.library)/city.yaml
            ingest: {tls: {certificate: x.pem, key: x.pem, client_ca: x.pem}}
            store: {sqlite: {path: events.sqlite}}
            scenarios: {directory: \(Self.library)}
            """.write(to: dir.appendingPathComponent("aggregator.yaml"), atomically: true, encoding: .utf8)
        let result = try ProcessRunner.run("aggregator", [
            "scenarios", "backtest", "--config", dir.appendingPathComponent("aggregator.yaml").path, "--from", "\(t0 - 1000)",
            "--to", "\(t0 + 3_600_000)", "--scenario", "water.flood-spreading-downstream", "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.count == 2)
        #expect(lines.first?["scenario_id"] as? String == "water.flood-spreading-downstream")
        #expect(lines.first?["districts"] as? [String] == ["centre", "north"])
        #expect(lines.last?["events"] as? Int == 52)
        #expect(lines.last?["activations"] as? Int == 1)
    }
}
