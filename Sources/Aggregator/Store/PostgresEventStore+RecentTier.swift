import Foundation
import Logging
import NIOCore
import PostgresNIO
import Shared

/// PostgreSQL's recent tier of batches (migration v2; docs/PROTOCOL.md, "A recent tier of
/// batches"): a commit writes one `recent_batches` row per batch, `RecentIndexer` expands them
/// into `events`. Several aggregators may share the database: commits of one agent are serialised
/// by an advisory lock (two batches holding the same events must not both find them new), and
/// indexers skip the batches another one is moving.
extension PostgresEventStore {
    /// The advisory lock class of per-agent commit locks (the key is the agent id's hash).
    static let commitLockClass: Int32 = 0x6377

    package func commit(_ batch: IngestedBatch) async throws(StoreError) -> CommitOutcome {
        try await activity.commit(batch) { pending throws(StoreError) in try await commit(batch, pending) }
    }

    private func commit(_ batch: IngestedBatch, _ pending: PendingCommit) async throws(StoreError) -> CommitOutcome {
        let agent = batch.agentID, seq = Int64(bitPattern: batch.batchSeq), now = batch.receivedAtMs
        let evicted = Int64(clamping: batch.evicted.events), version = batch.agentVersion
        let ids = pending.ids, increasing = pending.increasing
        let logger = self.logger
        return try await bounded { client in
            try await client.withTransaction(logger: logger) { connection -> CommitOutcome in
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.commitLockClass), hashtext(\(agent)))", logger: logger)
                let inserted = try await connection.query(
                    """
                    INSERT INTO batches (agent_id, batch_seq, received_at_ms, event_count) VALUES (\(agent), \(seq), \(now), \(Int32(ids.count)))
                    ON CONFLICT DO NOTHING RETURNING 1
                    """, logger: logger
                ).collect().count
                guard inserted == 1 else {
                    let committed = try await connection.query("SELECT committed_seq FROM agents WHERE agent_id = \(agent)", logger: logger)
                        .collect().first?.decode(Int64.self) ?? seq
                    return .duplicate(committedSeq: UInt64(bitPattern: committed))
                }
                var known = Set<Int64>()
                if let low = ids.min(), let high = ids.max() {
                    // The recent tier first, then the indexed table: each statement sees its own
                    // snapshot (READ COMMITTED), and a move commits atomically, so a batch moved
                    // between the two reads is found by the second; the other order could miss it.
                    let packed = try await connection.query(
                        "SELECT event_ids FROM recent_batches WHERE agent_id = \(agent) AND last_event_id >= \(low) AND first_event_id <= \(high)",
                        logger: logger
                    ).collect().map { Array(try $0.decode(ByteBuffer.self).readableBytesView) }
                    known = try RecentBatch.stored(ids, in: packed)
                    let indexed: PostgresQuery = increasing
                        ? "SELECT event_id FROM events WHERE agent_id = \(agent) AND event_id BETWEEN \(low) AND \(high)"
                        : "SELECT event_id FROM events WHERE agent_id = \(agent) AND event_id = ANY(\(ids))"
                    var inIndexed = Set<Int64>()
                    for row in try await connection.query(indexed, logger: logger).collect() { inIndexed.insert(try row.decode(Int64.self)) }
                    known.formUnion(inIndexed.intersection(ids))
                }
                let record = try pending.record(known: known)
                if let r = record {
                    try await connection.query(
                        """
                        INSERT INTO recent_batches (agent_id, batch_seq, received_at_ms, event_count, first_event_id, last_event_id,
                            first_capture_ms, last_capture_ms, cameras, event_ids, events)
                        VALUES (\(r.agentID), \(Int64(bitPattern: r.batchSeq)), \(r.receivedAtMs), \(Int32(r.eventCount)), \(r.firstEventID),
                            \(r.lastEventID), \(r.firstCaptureMs), \(r.lastCaptureMs), \(r.cameras), \(ByteBuffer(bytes: r.eventIDs)),
                            \(ByteBuffer(bytes: r.events)))
                        """, logger: logger)
                }
                let stored = record?.eventCount ?? 0
                let committed = try await connection.query(
                    """
                    INSERT INTO agents (agent_id, committed_seq, last_seen_ms, agent_version, batches, events, evicted_events)
                    VALUES (\(agent), \(seq), \(now), \(version), 1, \(Int64(stored)), \(evicted))
                    ON CONFLICT (agent_id) DO UPDATE SET
                        committed_seq = greatest(agents.committed_seq, excluded.committed_seq), last_seen_ms = excluded.last_seen_ms,
                        agent_version = excluded.agent_version, batches = agents.batches + 1, events = agents.events + excluded.events,
                        evicted_events = agents.evicted_events + excluded.evicted_events
                    RETURNING committed_seq
                    """, logger: logger
                ).collect().first?.decode(Int64.self) ?? seq
                return .committed(storedEvents: stored, committedSeq: UInt64(bitPattern: committed), alreadyStored: pending.alreadyStored(known: known))
            }
        }
    }

    private struct RecentBacklogRow: Sendable {
        var count: Int64
        var oldest: Int64?
    }

    package func recentBacklog() async throws(StoreError) -> RecentBacklog {
        let logger = self.logger
        let backlog: RecentBacklogRow = try await bounded { client in
            let row = try await client.query(
                """
                SELECT coalesce(sum(event_count), 0)::int8, (SELECT received_at_ms FROM recent_batches ORDER BY row_id LIMIT 1)
                FROM recent_batches
                """, logger: logger
            ).collect().first
            guard let row else { return RecentBacklogRow(count: 0, oldest: nil) }
            let (count, oldest) = try row.decode((Int64, Int64?).self)
            return RecentBacklogRow(count: count, oldest: oldest)
        }
        return activity.backlog(events: Int(backlog.count), oldestReceivedMs: backlog.oldest)
    }

    /// Moves run in `parallelMoves` transactions at once, each on its own batches (SKIP LOCKED),
    /// so that the server maintains the indexes on several cores, as concurrent commits of rows
    /// did before the tier: one transaction at a time moved about 20k events/s (`bench ingest`).
    static let parallelMoves = 4

    package func indexRecent(maxEvents: Int) async throws(StoreError) -> Int {
        // Small moves (tests, a trickle) stay one transaction.
        let moves = max(1, min(Self.parallelMoves, maxEvents / 5_000))
        let share = max(1, maxEvents / moves)
        do {
            return try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<moves { group.addTask { try await self.move(maxEvents: share) } }
                return try await group.reduce(0, +)
            }
        } catch {
            throw Self.mapped(error)
        }
    }

    /// One transaction moving the oldest batches no other transaction holds, up to `maxEvents`
    /// events (at least one batch).
    private func move(maxEvents wanted: Int) async throws(StoreError) -> Int {
        let logger = self.logger
        let (moved, unreadable) = try await bounded { client in
            try await client.withTransaction(logger: logger) { connection -> (Int, [String]) in
                // Locked a few at a time, so that the other moves find the next ones free.
                var picked: [Int64] = []
                var events = 0
                var after: Int64 = 0
                picking: while events < wanted {
                    let rows = try await connection.query(
                        "SELECT row_id, event_count FROM recent_batches WHERE row_id > \(after) ORDER BY row_id LIMIT 8 FOR UPDATE SKIP LOCKED",
                        logger: logger
                    ).collect()
                    if rows.isEmpty { break }
                    for row in rows {
                        let (rowID, count) = try row.decode((Int64, Int32).self)
                        if !picked.isEmpty, events + Int(count) > wanted { break picking }
                        picked.append(rowID)
                        events += Int(count)
                        after = rowID
                    }
                }
                guard !picked.isEmpty else { return (0, []) }
                var unreadable: [(Int64, String)] = []
                var batches: [(rowID: Int64, rows: [EventRow])] = []
                for row in try await connection.query(
                    "SELECT row_id, agent_id, batch_seq, received_at_ms, cameras, events FROM recent_batches WHERE row_id = ANY(\(picked))",
                    logger: logger
                ).collect() {
                    let (rowID, agent, seq, received, cameras, blob) = try row.decode((Int64, String, Int64, Int64, String, ByteBuffer).self)
                    do {
                        batches.append((rowID, try RecentBatch.rows(
                            agent: agent, batchSeq: seq, receivedAtMs: received, cameras: cameras, events: Array(blob.readableBytesView))))
                    } catch {
                        unreadable.append((rowID, "\(error)"))
                    }
                }
                let rows = batches.flatMap(\.rows)
                if !rows.isEmpty {
                    // A value the server refuses (say a NUL byte in a text field) fails the whole
                    // insert: then each batch goes alone, and one that fails is set aside, so that
                    // it cannot stop every later move.
                    try await connection.query("SAVEPOINT move_all", logger: logger)
                    do {
                        try await connection.query(Self.insertRows(rows), logger: logger)
                        try await connection.query("RELEASE SAVEPOINT move_all", logger: logger)
                    } catch let error as PSQLError where error.code == .server {
                        try await connection.query("ROLLBACK TO SAVEPOINT move_all", logger: logger)
                        for batch in batches where !batch.rows.isEmpty {
                            try await connection.query("SAVEPOINT move_one", logger: logger)
                            do {
                                try await connection.query(Self.insertRows(batch.rows), logger: logger)
                                try await connection.query("RELEASE SAVEPOINT move_one", logger: logger)
                            } catch let error as PSQLError where error.code == .server {
                                try await connection.query("ROLLBACK TO SAVEPOINT move_one", logger: logger)
                                unreadable.append((batch.rowID, "\(Self.mapped(error))"))
                            }
                        }
                    }
                }
                for (rowID, error) in unreadable {
                    try await connection.query(
                        "INSERT INTO recent_batches_unreadable SELECT *, \(error) FROM recent_batches WHERE row_id = \(rowID)", logger: logger)
                }
                try await connection.query("DELETE FROM recent_batches WHERE row_id = ANY(\(picked))", logger: logger)
                return (events, unreadable.map { "row \($0.0): \($0.1)" })
            }
        }
        activity.left(moved)
        activity.setAside(unreadable, logger: logger)
        return moved
    }

    /// The recent batches' rows that may hold events captured in [fromMs, toMs) (the caller
    /// filters the events). A batch that does not decode is left to the indexer.
    static func recentRows(_ connection: PostgresConnection, fromMs: Int64?, toMs: Int64?, agent: String?, logger: Logger) async throws -> [EventRow] {
        let from = fromMs ?? .min, to = toMs ?? .max
        let query: PostgresQuery = agent.map {
            "SELECT agent_id, batch_seq, received_at_ms, cameras, events FROM recent_batches WHERE last_capture_ms >= \(from) AND first_capture_ms < \(to) AND agent_id = \($0)"
        } ?? "SELECT agent_id, batch_seq, received_at_ms, cameras, events FROM recent_batches WHERE last_capture_ms >= \(from) AND first_capture_ms < \(to)"
        var rows: [EventRow] = []
        for row in try await connection.query(query, logger: logger).collect() {
            let (agent, seq, received, cameras, blob) = try row.decode((String, Int64, Int64, String, ByteBuffer).self)
            guard let events = try? RecentBatch.rows(agent: agent, batchSeq: seq, receivedAtMs: received, cameras: cameras, events: Array(blob.readableBytesView))
            else { continue }
            rows += events
        }
        return rows
    }

    /// One statement inserting `rows` into `events` (already indexed ones are dropped).
    static func insertRows(_ rows: [EventRow]) -> PostgresQuery {
        var binds = PostgresBindings(capacity: 25)
        binds.append(rows.map(\.agentID))
        binds.append(rows.map(\.eventID))
        binds.append(rows.map(\.lifecycleID))
        binds.append(rows.map(\.batchSeq))
        binds.append(rows.map(\.cameraID))
        binds.append(rows.map(\.districtID))
        binds.append(rows.map(\.kind))
        binds.append(rows.map(\.phase))
        binds.append(rows.map(\.severity))
        binds.append(rows.map { Int32(clamping: $0.severityRank) })
        binds.append(rows.map(\.captureTimeMs))
        binds.append(rows.map(\.agentTimeMs))
        binds.append(rows.map(\.receivedAtMs))
        binds.append(rows.map(\.trackID))
        binds.append(rows.map { $0.boxX != nil })
        binds.append(rows.map { Int32(clamping: $0.boxX ?? 0) })
        binds.append(rows.map { Int32(clamping: $0.boxY ?? 0) })
        binds.append(rows.map { Int32(clamping: $0.boxWidth ?? 0) })
        binds.append(rows.map { Int32(clamping: $0.boxHeight ?? 0) })
        binds.append(rows.map { $0.zone != nil })
        binds.append(rows.map { $0.zone ?? "" })
        binds.append(rows.map { Int32(clamping: $0.confidencePermille) })
        binds.append(rows.map(\.attributes))
        binds.append(rows.map { $0.snapshot != nil })
        binds.append(rows.map { $0.snapshot ?? "" })
        return PostgresQuery(unsafeSQL: insertRowsSQL, binds: binds)
    }

    private static let insertRowsSQL = """
        INSERT INTO events (\(StoreSchema.eventInsertColumns))
        SELECT t.agent_id, t.event_id, t.lifecycle_id, t.batch_seq, t.camera_id, t.district_id, t.kind, t.phase, t.severity, t.severity_rank,
               t.capture_time_ms, t.agent_time_ms, t.received_at_ms, t.track_id,
               CASE WHEN t.has_box THEN t.box_x END, CASE WHEN t.has_box THEN t.box_y END,
               CASE WHEN t.has_box THEN t.box_w END, CASE WHEN t.has_box THEN t.box_h END,
               CASE WHEN t.has_zone THEN t.zone END, t.confidence_permille, t.attributes,
               CASE WHEN t.has_snapshot THEN t.snapshot END
        FROM unnest($1::text[], $2::int8[], $3::int8[], $4::int8[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::int4[],
                    $11::int8[], $12::int8[], $13::int8[], $14::int8[], $15::bool[], $16::int4[], $17::int4[], $18::int4[], $19::int4[],
                    $20::bool[], $21::text[], $22::int4[], $23::text[], $24::bool[], $25::text[])
            AS t(agent_id, event_id, lifecycle_id, batch_seq, camera_id, district_id, kind, phase, severity, severity_rank,
                 capture_time_ms, agent_time_ms, received_at_ms, track_id, has_box, box_x, box_y, box_w, box_h,
                 has_zone, zone, confidence_permille, attributes, has_snapshot, snapshot)
        ON CONFLICT DO NOTHING
        """
}
