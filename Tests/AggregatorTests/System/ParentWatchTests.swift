import Foundation
import Testing
import TestSupport

/// A server started with `CITYWATCH_EXIT_WITH_PARENT=1` (as every test starts them) stops by itself,
/// gracefully, when the process that started it is killed: a crashed test run leaves nothing behind.
@Suite struct ParentWatchTests {
    @Test func aServerWhoseParentIsKilled_stopsGracefully() async throws {
        let aggregator = try AggregatorFixture()
        let pidFile = aggregator.directory.appendingPathComponent("pid").path
        let log = aggregator.directory.appendingPathComponent("server.log").path
        let binary = ProcessRunner.productsDirectory.appendingPathComponent("aggregator").path
        // A shell stands in for the test process: it starts the server and is then killed -9.
        let parent = try RunningProcess(path: "/bin/bash", [
            "-c", "\"$0\" serve --config \"$1\" 2>\"$2\" & echo $! > \"$3\"; wait", binary, aggregator.configPath, log, pidFile,
        ])
        var pid: pid_t = 0
        let started = ContinuousClock.now
        while ContinuousClock.now - started < .seconds(60) {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if let p = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap({ pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }),
                text.contains("ingest listening")
            {
                pid = p
                break
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        try #require(pid > 0, "the server started")
        await parent.kill9()
        let deadline = ContinuousClock.now + .seconds(40)
        while kill(pid, 0) == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(200)) }
        #expect(kill(pid, 0) != 0, "the orphaned server stopped")
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(text.contains("parent process") && text.contains("is gone"), "\(text.suffix(500))")
        if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        await aggregator.cleanUp()
    }
}
