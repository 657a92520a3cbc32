import Foundation

/// Ends the process gracefully (SIGTERM to itself) when the process that started it dies, if
/// `$CITYWATCH_EXIT_WITH_PARENT` is `1`. The test suite sets it for every server it starts, so a
/// test run that crashes or is killed leaves no aggregator or agent behind holding ports and files.
/// A thread polls the parent pid once a second: when the parent dies the process is re-parented and
/// `getppid()` changes (Linux's PR_SET_PDEATHSIG would follow the spawning *thread*, not process).
public enum ParentWatch {
    public static func startIfRequested(environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard environment["CITYWATCH_EXIT_WITH_PARENT"] == "1" else { return }
        let parent = getppid()
        let thread = Thread {
            while getppid() == parent { Thread.sleep(forTimeInterval: 1) }
            FileHandle.standardError.write(Data("parent process \(parent) is gone: stopping (CITYWATCH_EXIT_WITH_PARENT)\n".utf8))
            kill(getpid(), SIGTERM)
            // A process that does not stop on SIGTERM within 30 s is ended.
            Thread.sleep(forTimeInterval: 30)
            kill(getpid(), SIGKILL)
        }
        thread.name = "parent-watch"
        thread.start()
    }
}
