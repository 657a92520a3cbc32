import Logging
import Metrics
import ServiceLifecycle

/// A store whose commits land in a recent tier of batches that an indexer expands into the
/// indexed table (both stores, docs/PROTOCOL.md "A recent tier of batches").
package protocol RecentTierStore: EventStore {
    /// What waits in the recent tier.
    func recentBacklog() async throws(StoreError) -> RecentBacklog
    /// Moves the oldest batches, about `maxEvents` events (whole batches, at least one), into the
    /// indexed table; returns how many events left the recent tier.
    func indexRecent(maxEvents: Int) async throws(StoreError) -> Int
}

/// Moves committed events from the store's recent tier into its indexed table, as
/// `RecentIndexingPolicy` decides, until graceful shutdown. Then (ingest shuts down before it) a
/// backlog of up to one lull step moves at once, so that SQL readers of a stopped aggregator see
/// every event; a larger one waits in the recent tier, visible to the store's queries, and moves
/// after the next start.
struct RecentIndexer: Service {
    let store: any RecentTierStore
    var policy = RecentIndexingPolicy()
    let now: @Sendable () -> Int64
    let logger: Logger
    private let moved = Counter(label: "citywatch_store_indexed_events_total")
    private let waiting = Gauge(label: "citywatch_store_recent_events")

    init(store: any RecentTierStore, policy: RecentIndexingPolicy = RecentIndexingPolicy(), now: @escaping @Sendable () -> Int64, logger: Logger) {
        self.store = store
        self.policy = policy
        self.now = now
        self.logger = logger
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var failing = false
            while !Task.isCancelled {
                let pause: Int64
                do {
                    let backlog = try await store.recentBacklog()
                    waiting.record(backlog.events)
                    switch policy.decide(backlog, nowMs: now()) {
                    case .move(let maxEvents):
                        moved.increment(by: try await store.indexRecent(maxEvents: maxEvents))
                        pause = 0
                    case .wait(let milliseconds):
                        pause = milliseconds
                    }
                    if failing { logger.notice("indexing the recent tier again") }
                    failing = false
                } catch {
                    if Task.isCancelled { return }  // shutting down, not failing
                    if !failing { logger.warning("indexing the recent tier failed; will retry", metadata: ["error": "\(error)"]) }
                    failing = true
                    pause = 1_000
                }
                if pause > 0 {
                    do { try await Task.sleep(for: .milliseconds(pause)) } catch { return }
                } else {
                    await Task.yield()
                }
            }
        }
        // The shutdown's cancellation would stop the store's work: the last move runs outside it.
        await Task { await flushAtShutdown() }.value
    }

    private func flushAtShutdown() async {
        do {
            let waiting = try await store.recentBacklog().events
            guard waiting > 0 else { return }
            guard waiting <= policy.lullStep else {
                logger.notice("events left in the recent tier until the next start", metadata: ["events": "\(waiting)"])
                return
            }
            moved.increment(by: try await store.indexRecent(maxEvents: policy.lullStep))
        } catch {
            logger.warning("indexing the recent tier at shutdown failed; it moves after the next start", metadata: ["error": "\(error)"])
        }
    }
}
