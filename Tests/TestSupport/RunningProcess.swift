import Foundation
import Synchronization

/// A long-running product (a server) started for a test: its stderr is collected as it comes so
/// that the test can wait for a log line; it is killed when the test is done with it.
public final class RunningProcess: Sendable {
    private let process: Process
    private let output = OutputBuffer()

    private final class OutputBuffer: Sendable {
        let text = Mutex("")
    }

    /// `environment`: variables added to this process's environment for the child.
    public convenience init(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        try self.init(path: ProcessRunner.productsDirectory.appendingPathComponent(executable).path, arguments, environment: environment)
    }

    /// Any program by path (e.g. a product started through `unshare`).
    public init(path: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        // Servers started by tests stop when the test process dies, however it dies (ParentWatch).
        process.environment = ProcessInfo.processInfo.environment.merging(["CITYWATCH_EXIT_WITH_PARENT": "1"].merging(environment) { $1 }) { $1 }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        self.process = process
        let output = self.output
        err.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                return
            }
            output.text.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
    }

    public var stderr: String { output.text.withLock { $0 } }
    public var isRunning: Bool { process.isRunning }
    public var pid: Int32 { process.processIdentifier }

    /// Waits (bounded) until stderr matches `pattern`; returns the first capture group.
    public func waitFor(_ pattern: String, timeout: Duration = .seconds(60)) async throws -> String {
        let regex = try NSRegularExpression(pattern: pattern)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let text = stderr
            if let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) {
                let range = match.numberOfRanges > 1 ? match.range(at: 1) : match.range
                return Range(range, in: text).map { String(text[$0]) } ?? ""
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw WaitError(pattern: pattern, stderr: stderr, running: process.isRunning)
    }

    /// SIGTERM, then waits (bounded) for the exit; returns the exit status.
    @discardableResult
    public func terminate(timeout: Duration = .seconds(20)) async -> Int32 {
        if process.isRunning { process.terminate() }
        return await waitForExit(timeout: timeout)
    }

    /// SIGKILL: the crash case.
    public func kill9() async {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        _ = await waitForExit(timeout: .seconds(10))
    }

    private func waitForExit(timeout: Duration) async -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    public struct WaitError: Error, CustomStringConvertible {
        public let pattern: String
        public let stderr: String
        public let running: Bool
        public var description: String { "no line matching /\(pattern)/ (process \(running ? "running" : "exited")); stderr:\n\(stderr)" }
    }
}
