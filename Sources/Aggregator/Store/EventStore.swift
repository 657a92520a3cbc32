import Shared

/// Where the aggregator keeps what agents sent: `SQLiteEventStore` (embedded default) or
/// `PostgresEventStore` (scale-out), both held to one contract suite
/// (Tests/AggregatorTests/Store/EventStoreContractTests.swift).
///
/// `commit` is the only write on the ingest path and must be durable when it returns: the
/// aggregator acks only what it returned for.
package protocol EventStore: Sendable {
    /// Stores a batch exactly once: a batch (agent, seq) committed before returns `.duplicate`
    /// and stores nothing; events whose (agent, event id) is already stored are skipped.
    func commit(_ batch: IngestedBatch) async throws(StoreError) -> CommitOutcome

    /// The highest batch sequence committed for an agent, nil when none.
    func committedSequence(agent: String) async throws(StoreError) -> UInt64?

    /// Events matching a query, newest first by capture time.
    func events(_ query: EventQuery) async throws(StoreError) -> [StoredEvent]

    /// Every agent that committed a batch, with its counters.
    func agents() async throws(StoreError) -> [AgentRecord]

    /// The latest capture time stored per camera (cameras that never reported are absent).
    func lastEventTimes() async throws(StoreError) -> [String: Int64]

    /// Events per hour (capture time), district and kind in [fromMs, toMs).
    func hourlyCounts(fromMs: Int64, toMs: Int64) async throws(StoreError) -> [HourlyCount]

    /// Number of stored events (all agents).
    func eventCount() async throws(StoreError) -> Int

    /// Forgets committed (agent, batch_seq) pairs received before `cutoffMs`, at most `limit`;
    /// returns how many. A resend of such a batch is then stored again unless its events are.
    func deleteBatchRecords(receivedBefore cutoffMs: Int64, limit: Int) async throws(StoreError) -> Int

    /// Deletes events captured before `cutoffMs`, at most `limit` of them; returns how many.
    func deleteEvents(capturedBefore cutoffMs: Int64, limit: Int) async throws(StoreError) -> Int

    /// Deletes the oldest events (by capture time) until the store's size is at most `maxBytes`
    /// or `limit` events were deleted; returns how many.
    func shrink(toBytes maxBytes: Int64, limit: Int) async throws(StoreError) -> Int

    /// Bytes the store occupies (database files or relation sizes).
    func sizeBytes() async throws(StoreError) -> Int64

    /// Closes connections; further calls fail.
    func close() async

    /// Answers only when the store can take a commit now (the watchdog's liveness check): SQLite
    /// asks through its writer, so a commit stuck in fsync makes this wait too.
    func ping() async throws(StoreError)
}

extension EventStore {
    package func ping() async throws(StoreError) { _ = try await committedSequence(agent: "") }
}

/// A decoded, validated batch with what the aggregator knows of it.
package struct IngestedBatch: Sendable {
    var agentID: String
    var batchSeq: UInt64
    var receivedAtMs: Int64
    var events: [Event]
    /// District of each event's camera (same order as `events`), from the city model.
    var districts: [String]
    var evicted: EvictionReport
    var agentVersion: String
    /// The body as it arrived when it used no zstd dictionary (nil otherwise, or when the batch was
    /// not received): the SQLite store keeps these bytes instead of encoding the events again.
    var wireBody: [UInt8]?

    package init(
        agentID: String, batchSeq: UInt64, receivedAtMs: Int64, events: [Event], districts: [String], evicted: EvictionReport,
        agentVersion: String, wireBody: [UInt8]? = nil
    ) {
        self.wireBody = wireBody
        self.agentID = agentID
        self.batchSeq = batchSeq
        self.receivedAtMs = receivedAtMs
        self.events = events
        self.districts = districts
        self.evicted = evicted
        self.agentVersion = agentVersion
    }
}

package enum CommitOutcome: Sendable, Hashable {
    /// Newly committed; `storedEvents` may be below the batch's count when some events were
    /// already stored by another batch: `alreadyStored` names them (event ids), so that what was
    /// evaluated once is not evaluated again.
    case committed(storedEvents: Int, committedSeq: UInt64, alreadyStored: [UInt64] = [])
    /// This (agent, seq) was committed before: nothing stored.
    case duplicate(committedSeq: UInt64)
}

/// Store failures: `unavailable` is retryable (503 to the agent), the rest are bugs or
/// corruption (500).
package struct StoreError: Error, CustomStringConvertible {
    enum Kind: String, Sendable { case unavailable, failed }
    var kind: Kind
    var message: String

    static func unavailable(_ message: String) -> StoreError { StoreError(kind: .unavailable, message: message) }
    static func failed(_ message: String) -> StoreError { StoreError(kind: .failed, message: message) }

    package var description: String { "store \(kind.rawValue): \(message)" }
}

/// Filters for `EventStore.events` (the query API grows it).
package struct EventQuery: Sendable, Hashable {
    var fromMs: Int64?
    var toMs: Int64?
    var agent: String?
    var camera: String?
    var district: String?
    var kind: String?
    var limit = 100
    /// Oldest first (replays, backtests) instead of newest first.
    var ascending = false
    /// Keyset paging for ascending queries: only events after this (capture time, agent, event id).
    var after: EventCursor?
    /// Keyset paging for newest-first queries: only events before this.
    var before: EventCursor?
}

/// A position in the (capture time, agent, event id) order.
package struct EventCursor: Sendable, Hashable {
    var captureTimeMs: Int64
    var agentID: String
    var eventID: UInt64
}

/// What the store knows of an agent from its batches.
package struct AgentRecord: Sendable, Hashable, Codable {
    var agentID: String
    var committedSeq: UInt64
    var lastSeenMs: Int64
    var agentVersion: String
    var batches: Int64
    var events: Int64
    var evictedEvents: Int64

    enum CodingKeys: String, CodingKey {
        case agentID = "agent_id", committedSeq = "committed_seq", lastSeenMs = "last_seen_ms", agentVersion = "agent_version", batches,
            events, evictedEvents = "evicted_events"
    }
}

/// One row of `hourlyCounts`.
package struct HourlyCount: Sendable, Hashable, Codable {
    var hourMs: Int64
    var district: String
    var kind: String
    var count: Int64

    enum CodingKeys: String, CodingKey { case hourMs = "hour_ms", district, kind, count }
}

/// An event as stored, with where it came from.
package struct StoredEvent: Sendable, Hashable {
    var agentID: String
    var batchSeq: UInt64
    var district: String
    var receivedAtMs: Int64
    var event: Event
}
