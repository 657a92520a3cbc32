@testable import Aggregator
import Foundation
import Shared
import Testing
import TestSupport

/// The dashboard in a real browser (headless Chromium driven by selenium): against a running
/// aggregator, the page signs in with a token, connects the live stream, and shows an activation
/// that fires after it loaded. The screenshot is kept in `.build/test-artifacts/dashboard.png`.
@Suite(.serialized) struct DashboardTests {
    @Test func aLiveActivation_appearsInTheBrowser() async throws {
        let world = try OperationsAPITests.World()
        try await world.start()
        let artifacts = TestPaths.packageRoot.appendingPathComponent(".build/test-artifacts")
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        let screenshot = artifacts.appendingPathComponent("dashboard.png")
        try? FileManager.default.removeItem(at: screenshot)
        let scratch = world.scenarios.deletingLastPathComponent()
        let ready = scratch.appendingPathComponent("ready").path, go = scratch.appendingPathComponent("go").path
        let python = ProcessInfo.processInfo.environment["CITYWATCH_PYTHON"] ?? "/usr/bin/python3"
        let url = "http://127.0.0.1:\(world.apiPort)/", token = world.tokens["viewer"]!
        let browser = Task.detached {
            try ProcessRunner.runTool(python, [
                TestPaths.packageRoot.appendingPathComponent("Tests/Tools/dashboard_check.py").path, url, token, screenshot.path, ready, go,
            ], timeout: .seconds(150))
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while !FileManager.default.fileExists(atPath: ready), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(200)) }
        #expect(FileManager.default.fileExists(atPath: ready), "the page never connected its live stream")
        // Events now, after the page is live: their activation can only arrive through the stream.
        var configuration = SyntheticEventGenerator.Configuration()
        configuration.agentID = "agent-1"
        configuration.startTimeMs = Int64(Date().timeIntervalSince1970 * 1000) - 10_000
        var generator = SyntheticEventGenerator(configuration: configuration)
        try await world.send(seq: 1, count: 10, generator: &generator)
        FileManager.default.createFile(atPath: go, contents: nil)
        let result = try await browser.value
        #expect(result.status == 0, "\(result.stderr.suffix(3000))")
        let summary = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect((summary?["activations"] as? Int ?? 0) >= 1, "\(result.stdout)")
        #expect(summary?["first"] as? String == "test.any-start")
        #expect(summary?["districts"] as? Int == 2)
        #expect(summary?["live"] as? Bool == true)
        #expect((summary?["alerted"] as? Int ?? 0) >= 1, "the activation's district is drawn alerted")
        #expect(FileManager.default.fileExists(atPath: screenshot.path))
        print("dashboard screenshot: \(screenshot.path)")
        await world.stop()
    }
}
