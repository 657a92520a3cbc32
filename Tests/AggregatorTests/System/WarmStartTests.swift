@testable import Aggregator
import Foundation
import Shared
import Testing
import TestSupport

/// A restart of a real `aggregator serve` in the middle of a pattern: two intrusions before it, the
/// third after. With the warm start (the default) the engine replays the stored events, its window
/// still holds the first two, and the third fires the scenario; a second restart fires nothing
/// again. With `warm_start_s: 0` the window starts empty and nothing fires: what the warm start is for.
@Suite(.serialized) struct WarmStartTests {
    static let rule = """
        id: test.three-intrusions
        title: Three intrusions in a district
        domain: security
        feeds: C
        severity: high
        match: {kind: intrusion, phase: start}
        count: {window: 30m, at_least: 3, group_by: district}
        cooldown: 1h
        dedup: district
        """

    static func intrusion(_ id: UInt64, camera: String, atMs: Int64) -> Event {
        Event(id: id, cameraID: camera, kind: .intrusion, phase: .start, captureTimeMs: atMs, trackID: id)
    }

    @Test(arguments: [true, false])
    func aPatternHalfSeenBeforeARestart_completesAfterIt(warmStart: Bool) async throws {
        let scratch = try TestPaths.temporaryDirectory("warm-start")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let scenarios = scratch.appendingPathComponent("scenarios")
        try FileManager.default.createDirectory(at: scenarios, withIntermediateDirectories: true)
        try Self.rule.write(to: scenarios.appendingPathComponent("three.yaml"), atomically: true, encoding: .utf8)
        // The events are two minutes old: a generous lateness keeps the wall-clock watermark (ticked
        // every second) behind them however slowly this test runs.
        let aggregator = try AggregatorFixture(extraConfig: """
            scenarios: {directory: \(scenarios.path), lateness_s: 600\(warmStart ? "" : ", warm_start_s: 0")}
            """)
        let operations = aggregator.directory.appendingPathComponent("operations.sqlite").path
        func activations() throws -> [String] {
            try ScenarioActionsTests.query(operations, "SELECT id FROM activations")
        }
        func send(seq: UInt64, _ events: [Event]) async throws {
            let body = try BatchEncoder().encode(EventBatch(agentID: "agent-1", batchSeq: seq, events: events))
            let status = try await aggregator.withClient(agent: "agent-1") { try await aggregator.post(body, client: $0).status }
            #expect(status == 200)
        }
        /// Waits until this process's engine has evaluated `count` live inputs (and a moment for the
        /// activation it may record), so an absence of activations means something.
        func evaluated(_ count: Int) async throws {
            let deadline = ContinuousClock.now + .seconds(30)
            let pattern = try Regex(#"citywatch_scenario_inputs_total\{result="evaluated"\} (\d+)"#)
            while ContinuousClock.now < deadline {
                let text = try await aggregator.scrapeMetrics()
                if let match = text.firstMatch(of: pattern), let n = Int(match.output[1].substring ?? ""), n >= count {
                    try await Task.sleep(for: .milliseconds(500))
                    return
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            Issue.record("the engine did not evaluate \(count) inputs within 30 s")
        }
        let t = Int64(Date().timeIntervalSince1970 * 1000) - 120_000

        try await aggregator.start()
        try await send(seq: 1, [Self.intrusion(1, camera: "cam-1-01", atMs: t), Self.intrusion(2, camera: "cam-1-02", atMs: t + 10_000)])
        try await evaluated(2)
        #expect(try activations().isEmpty, "two of three")
        #expect(await aggregator.stop() == 0)

        try await aggregator.start()
        if warmStart {
            _ = try await aggregator.server!.waitFor(#"events=(\d+) .*scenario state rebuilt from stored events"#)
        }
        try await send(seq: 2, [Self.intrusion(3, camera: "cam-1-03", atMs: t + 20_000)])
        if warmStart {
            #expect(try await eventually(.seconds(60)) { try activations().count == 1 }, "the activation")
            #expect(try activations() == ["test.three-intrusions/north/\(t + 20_000)"])
            // Replayed again at the next start: the same activation, not a second one.
            #expect(await aggregator.stop() == 0)
            try await aggregator.start()
            _ = try await aggregator.server!.waitFor(#"activations_missed_by_the_previous_run=(0) .*scenario state rebuilt from stored events"#)
            try await send(seq: 3, [Self.intrusion(4, camera: "cam-1-04", atMs: t + 30_000)])
            try await evaluated(1)
            #expect(try activations().count == 1, "within the cooldown, and the replay recorded nothing new")
        } else {
            try await evaluated(1)
            #expect(try activations().isEmpty, "the window started empty: only one of three")
        }
        await aggregator.cleanUp()
    }
}
