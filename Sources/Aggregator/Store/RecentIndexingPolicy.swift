/// When `RecentIndexer` moves rows from the recent tier into the indexed table: a plain decision
/// on what the store reports, tested without I/O (RecentIndexingPolicyTests).
///
/// Commits and moves share the store's one writer, so each move delays the acks queued behind
/// it. The policy therefore leaves bursts to the cheap append and indexes in the lulls, and
/// only indexes under load when the backlog is old (`maxLagMs`) or large (`highWater`).
package struct RecentIndexingPolicy: Sendable, Hashable {
    /// Rows per move (one transaction): bounds how long a move holds the writer.
    package var step = 20_000
    /// Rows per move in a lull, when no commit waits behind it (larger moves amortise better).
    package var lullStep = 100_000
    /// Move even while commits keep coming once this many events wait.
    package var highWater = 500_000
    /// Move even while commits keep coming once the oldest waiting event is this old.
    package var maxLagMs: Int64 = 10_000
    /// No commit for this long counts as a lull.
    package var lullMs: Int64 = 200
    /// How long to wait before asking again when there is nothing to do.
    package var pollMs: Int64 = 100

    package init() {}

    package enum Decision: Sendable, Hashable {
        case move(maxEvents: Int)
        case wait(milliseconds: Int64)
    }

    package func decide(_ backlog: RecentBacklog, nowMs: Int64) -> Decision {
        guard backlog.events > 0 else { return .wait(milliseconds: pollMs) }
        if backlog.events >= highWater { return .move(maxEvents: step) }
        if let oldest = backlog.oldestReceivedMs, nowMs - oldest >= maxLagMs { return .move(maxEvents: step) }
        // A lull: nothing waits for the writer and nothing was committed for `lullMs`.
        if backlog.commitsInFlight > 0 { return .wait(milliseconds: min(pollMs, lullMs)) }
        guard let last = backlog.lastCommitMs else { return .move(maxEvents: lullStep) }
        let quiet = nowMs - last
        return quiet >= lullMs ? .move(maxEvents: lullStep) : .wait(milliseconds: min(pollMs, lullMs - quiet))
    }
}

/// The recent tier's size and age (docs/PROTOCOL.md, "Two tiers").
package struct RecentBacklog: Sendable, Hashable {
    /// Events committed but not yet in the indexed table.
    package var events: Int
    /// When the oldest of them was received (aggregator clock), nil when there are none.
    package var oldestReceivedMs: Int64?
    /// When this process last committed a batch (its received time), nil when it has not.
    package var lastCommitMs: Int64?
    /// Commits this process has started and not finished (waiting for the writer included).
    package var commitsInFlight: Int

    package init(events: Int, oldestReceivedMs: Int64?, lastCommitMs: Int64?, commitsInFlight: Int = 0) {
        self.events = events
        self.oldestReceivedMs = oldestReceivedMs
        self.lastCommitMs = lastCommitMs
        self.commitsInFlight = commitsInFlight
    }
}
