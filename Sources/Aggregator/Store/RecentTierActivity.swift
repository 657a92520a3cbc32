import Logging
import Metrics
import Synchronization

/// What one store process knows of its recent tier between reads of it, the same for both stores:
/// commits in flight and the last one's time (for `RecentIndexingPolicy`), and the events
/// waiting to be indexed (commits add, moves and retention subtract, each backlog read
/// resynchronises) with the cap on them.
final class RecentTierActivity: Sendable {
    /// Past this many events waiting to be indexed, commits are refused as unavailable (503 with
    /// Retry-After: agents keep the batches in their spools) until the indexer catches up, so a
    /// sustained overload cannot grow the recent tier without bound.
    let maxWaiting: Int
    private let waiting = Atomic<Int>(0)
    private let inFlight = Atomic<Int>(0)
    /// Received time of the last batch committed here (0: none yet).
    private let lastCommit = Atomic<Int64>(0)
    private static let unreadableBatches = Counter(label: "citywatch_store_unreadable_batches_total")

    init(maxWaiting: Int) { self.maxWaiting = maxWaiting }

    /// Runs one commit of `batch` (`body` gets it checked against the cap), counted as in flight
    /// until it returns; what it stores counts as waiting.
    func commit(
        _ batch: IngestedBatch, _ body: (PendingCommit) async throws(StoreError) -> CommitOutcome
    ) async throws(StoreError) -> CommitOutcome {
        inFlight.add(1, ordering: .relaxed)
        defer { inFlight.subtract(1, ordering: .relaxed) }
        let outcome = try await body(try PendingCommit(batch, waiting: waiting.load(ordering: .relaxed), cap: maxWaiting))
        if case .committed(let stored, _, _) = outcome { waiting.add(stored, ordering: .relaxed) }
        lastCommit.max(batch.receivedAtMs, ordering: .relaxed)
        return outcome
    }

    /// The backlog a store just read (`events` waiting, the oldest received at `oldestReceivedMs`),
    /// with this process's commits; the waiting count is set to what was read.
    func backlog(events: Int, oldestReceivedMs: Int64?) -> RecentBacklog {
        resynchronise(waiting: events)
        let last = lastCommit.load(ordering: .relaxed)
        return RecentBacklog(
            events: events, oldestReceivedMs: oldestReceivedMs, lastCommitMs: last == 0 ? nil : last,
            commitsInFlight: inFlight.load(ordering: .relaxed))
    }

    /// The events waiting, as the database says.
    func resynchronise(waiting events: Int) { waiting.store(events, ordering: .relaxed) }

    /// `count` events left the recent tier (moved or deleted by retention).
    func left(_ count: Int) { waiting.subtract(count, ordering: .relaxed) }

    /// Counts and logs batches a move set aside in `recent_batches_unreadable`.
    func setAside(_ problems: [String], logger: Logger) {
        for problem in problems {
            Self.unreadableBatches.increment()
            logger.error("a recent batch could not be read or indexed; kept in recent_batches_unreadable", metadata: ["batch": "\(problem)"])
        }
    }
}
