import Logging
import ServiceLifecycle
import Shared
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
                            if await answers(within: interval) {
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

    /// True when the store answered a ping before `limit`.
    private func answers(within limit: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await store.ping()) != nil }
            group.addTask {
                try? await Task.sleep(for: limit)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
