import Logging
import ServiceLifecycle
import Shared
import Synchronization
import UnixSignals

/// systemd's watchdog for `aggregator serve`: every half WATCHDOG_USEC (or 5 s), a ping of the
/// store through its write path; only an answer within the interval sends WATCHDOG=1. A store
/// that hangs (a stuck disk, a wedged database connection) stops the pings and systemd restarts
/// the service. Also traps SIGHUP when no scenario directory is configured (there is nothing to
/// reload; the signal must not end the process).
struct AggregatorWatchdog: Service {
    let store: any EventStore
    let notifier: SystemdNotifier
    let interval: Duration?
    let trapHangup: Bool
    let logger: Logger

    func run() async throws {
        let probe = PingProbe()
        await withTaskGroup(of: Void.self) { group in
            // Runs until shutdown even with nothing else to do (no watchdog asked for, SIGHUP handled elsewhere).
            group.addTask { try? await gracefulShutdown() }
            if trapHangup {
                group.addTask {
                    let hangups = await UnixSignalsSequence(trapping: .sighup)
                    for await _ in hangups.cancelOnGracefulShutdown() {
                        logger.notice("SIGHUP: no scenario directory configured; nothing to reload (other changes need a restart)")
                    }
                }
            }
            if let interval {
                group.addTask {
                    await cancelWhenGracefulShutdown {
                        while !Task.isCancelled {
                            if await probe.answers(within: interval, { (try? await store.ping()) != nil }) {
                                try? notifier.watchdog()
                            } else {
                                logger.error("watchdog: the store did not answer in time; not pinging systemd")
                            }
                            do { try await Task.sleep(for: interval) } catch { return }
                        }
                    }
                }
            }
        }
    }

}

/// Asks "does the store answer within this interval?" without ever waiting on a ping that hangs: a
/// store stuck on a dead disk ignores cancellation, so a structured race (a task group) would wait
/// for it, block the watchdog loop and the service's shutdown. Here the ping runs on its own, the
/// answer is whichever comes first of it and the deadline, and while a ping is still out no second
/// one is started (the answer is "no" at once).
final class PingProbe: Sendable {
    private let outstanding = Mutex(false)

    func answers(within limit: Duration, _ ping: @escaping @Sendable () async -> Bool) async -> Bool {
        let start = outstanding.withLock { busy in
            if busy { return false }
            busy = true
            return true
        }
        guard start else { return false }
        let answer = OneAnswer()
        return await withCheckedContinuation { continuation in
            answer.set(continuation)
            Task {
                let ok = await ping()
                self.outstanding.withLock { $0 = false }
                answer.give(ok)
            }
            Task {
                try? await Task.sleep(for: limit)
                answer.give(false)
            }
        }
    }

    /// A continuation resumed once, by whichever answer comes first.
    private final class OneAnswer: Sendable {
        private let continuation = Mutex<CheckedContinuation<Bool, Never>?>(nil)
        func set(_ c: CheckedContinuation<Bool, Never>) { continuation.withLock { $0 = c } }
        func give(_ value: Bool) { continuation.withLock { c in c.take() }?.resume(returning: value) }
    }
}
