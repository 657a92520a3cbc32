import Foundation

/// Runs the package's own executables as real processes.
/// Holds what the stderr reader collected (written once, read after the group wait).
private final class DataBox: @unchecked Sendable {
    var data = Data()
}

public enum ProcessRunner {
    public struct Output: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// The directory holding the built products (beside the test bundle).
    public static var productsDirectory: URL {
        let candidates = [Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0])]
        for candidate in candidates {
            var url = candidate
            for _ in 0..<4 {
                if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("edge-agent").path) { return url }
                url = url.deletingLastPathComponent()
            }
        }
        return Bundle.main.bundleURL.deletingLastPathComponent()
    }

    public static func run(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(60)) throws -> Output {
        try runTool(productsDirectory.appendingPathComponent(executable).path, arguments, timeout: timeout)
    }

    /// Runs any program by path; a watchdog kills it past `timeout`.
    ///
    /// Spawned and reaped here (posix_spawn, waitpid), not through Foundation's `Process`: its
    /// `waitUntilExit` spins on a run loop until it has seen the child end, and a full-suite run
    /// once hung at 100 % CPU in a test whose tools had all exited.
    public static func runTool(_ path: String, _ arguments: [String], timeout: Duration = .seconds(60)) throws -> Output {
        var out: [Int32] = [-1, -1], err: [Int32] = [-1, -1]
        guard pipe(&out) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        guard pipe(&err) == 0 else {
            close(out[0]); close(out[1])
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        // Not inherited by programs other threads start (ours are closed in the child by spawn).
        for fd in out + err { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let pid: pid_t
        do {
            pid = try spawn(path, arguments) { actions in
                posix_spawn_file_actions_adddup2(&actions, out[1], 1)
                posix_spawn_file_actions_adddup2(&actions, err[1], 2)
            }
        } catch {
            for fd in out + err { close(fd) }
            throw error
        }
        close(out[1])
        close(err[1])
        // Both pipes drained at once, so that a child filling one cannot block on it.
        let stdout = FileHandle(fileDescriptor: out[0], closeOnDealloc: true)
        let stderr = FileHandle(fileDescriptor: err[0], closeOnDealloc: true)
        let stderrBox = DataBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            stderrBox.data = stderr.readDataToEndOfFile()
            group.leave()
        }
        // The watchdog only signals before the child is reaped (its pid cannot have been reused).
        let reaped = NSLock()
        var done = false
        let watchdog = DispatchWorkItem {
            reaped.lock()
            if !done { kill(pid, SIGKILL) }
            reaped.unlock()
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(timeout.components.seconds * 1000)), execute: watchdog)
        let stdoutData = stdout.readDataToEndOfFile()
        group.wait()
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        reaped.lock()
        done = true
        reaped.unlock()
        watchdog.cancel()
        return Output(
            status: exitStatus(status), stdout: String(decoding: stdoutData, as: UTF8.self),
            stderr: String(decoding: stderrBox.data, as: UTF8.self))
    }

    /// Runs a product with output discarded and returns its exit status and peak resident memory,
    /// measured by the kernel for that process alone (`wait4`).
    public static func runMeasuringMemory(_ executable: String, _ arguments: [String]) throws -> (status: Int32, peakRSSBytes: Int) {
        let pid = try spawn(productsDirectory.appendingPathComponent(executable).path, arguments, output: "/dev/null")
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0, errno == EINTR {}
        return (exitStatus(status), usage.ru_maxrss * 1024)
    }

    /// Runs a program that may leave a daemon behind (pg_ctl start): Foundation's `Process`
    /// notices a child's end through a socket the child inherits, so a daemon keeping it open
    /// would make `waitUntilExit` wait for the daemon. Here the child gets only stdin (/dev/null)
    /// and one output file for stdout and stderr; returns the status and that output.
    public static func runDetaching(_ path: String, _ arguments: [String]) throws -> Output {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString).log").path
        defer { unlink(log) }
        let pid = try spawn(path, arguments, output: log)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return Output(status: exitStatus(status), stdout: text, stderr: text)
    }

    /// posix_spawn with stdin from /dev/null, stdout and stderr to `output`, nothing else open.
    private static func spawn(_ path: String, _ arguments: [String], output: String) throws -> pid_t {
        try spawn(path, arguments) { actions in
            posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
    }

    /// posix_spawn with stdin from /dev/null, stdout and stderr as `outputs` sets them up, nothing
    /// else open.
    private static func spawn(
        _ path: String, _ arguments: [String], outputs: (inout posix_spawn_file_actions_t) -> Void
    ) throws -> pid_t {
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        outputs(&actions)
        // Every other descriptor open now (glibc's closefrom action is not visible to Swift).
        let open = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
        for fd in open where fd > 2 && fcntl(fd, F_GETFD) >= 0 { posix_spawn_file_actions_addclose(&actions, fd) }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EINVAL) }
        return pid
    }

    private static func exitStatus(_ status: Int32) -> Int32 {
        status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }
}
