import Foundation
import GRDB
import Shared
import Synchronization

/// The embedded store: one SQLite file through GRDB, WAL mode with `synchronous = FULL`, so a
/// commit has reached the disk (WAL fsynced) before `commit` returns and the batch is acked.
/// Readers see snapshots (WAL), so retention never deletes under a running query.
package final class SQLiteEventStore: EventStore {
    let path: String
    private let pool: DatabasePool
    private let group: SQLiteGroupCommit
    /// Received time of the last batch committed here (0: none yet), for `recentBacklog`.
    private let lastCommit = Atomic<Int64>(0)
    private let commitsInFlight = Atomic<Int>(0)

    /// Opens (creating and migrating when needed) the database at `path`; `readOnly` opens an
    /// existing database for queries only (tools, tests beside a running server).
    package init(path: String, readOnly: Bool = false) throws(StoreError) {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.readonly = readOnly
        // Before WAL mode is set up (fixed after that): large pages mean fewer page writes and a
        // shallower tree for a bulk-insert workload. Existing databases keep their page size.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA page_size = \(Self.pageSize)") }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            group = SQLiteGroupCommit(pool: pool)
            guard !readOnly else { return }
            // After opening: GRDB's WAL set-up on the writer sets `synchronous = NORMAL`, which
            // may lose the last commits on power loss. FULL fsyncs the WAL at every commit.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                try db.execute(sql: "PRAGMA cache_size = -\(Self.writerCacheKiB)")
            }
            try Self.migrator.migrate(pool)
        } catch {
            throw Self.mapped(error)
        }
    }

    static let pageSize = 32_768
    /// The writer's page cache. Each commit touches leaf pages of five indexes spread over every
    /// camera, district and kind; SQLite's default 2 MiB cache re-reads them from the OS.
    static let writerCacheKiB = 262_144

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            for statement in StoreSchema.statements(bigint: "INTEGER", autoincrementKey: "INTEGER PRIMARY KEY") {
                try db.execute(sql: statement)
            }
        }
        migrator.registerMigration("v2") { db in
            for statement in StoreSchema.recentTier(bigint: "INTEGER", autoincrementKey: "INTEGER PRIMARY KEY") {
                try db.execute(sql: statement)
            }
        }
        migrator.registerMigration("v3") { db in
            for statement in StoreSchema.unindexedRecentTier(bigint: "INTEGER", autoincrementKey: "INTEGER PRIMARY KEY") {
                try db.execute(sql: statement)
            }
        }
        return migrator
    }

    /// Appends to the recent tier, which has no index (migration v3): the commit skips what is
    /// already stored itself. (A plain VALUES insert: `INSERT … SELECT … WHERE NOT EXISTS` would be
    /// a multi-row statement, which inside the group commit's savepoint writes every page it
    /// touches to a statement journal first; that halved the commit rate.)
    private static let insertEvent =
        "INSERT INTO events_recent (\(StoreSchema.eventInsertColumns)) VALUES (\(Array(repeating: "?", count: EventRow.columns.count).joined(separator: ", ")))"

    /// Events of a batch already stored, in either tier. Indexed: one range probe of its unique
    /// index when the ids increase (as the decoder requires, docs/PROTOCOL.md), else a probe per id
    /// (a store does not rely on its caller for that). Recent: only within the row ids of the
    /// agent's `recent_ranges` that overlap the batch's ids (none when ids grow).
    private static func alreadyStored(_ rows: [EventRow], increasing: Bool, agent: String, in db: Database) throws -> Set<Int64> {
        guard let low = rows.lazy.map(\.eventID).min(), let high = rows.lazy.map(\.eventID).max() else { return [] }
        var found: Set<Int64>
        if increasing {
            found = Set(try Int64.fetchAll(
                db, sql: "SELECT event_id FROM events_indexed WHERE agent_id = ? AND event_id BETWEEN ? AND ?", arguments: [agent, low, high]))
        } else {
            let statement = try db.cachedStatement(sql: "SELECT 1 FROM events_indexed WHERE agent_id = ? AND event_id = ?")
            found = Set(try rows.map(\.eventID).filter { try Bool.fetchOne(statement, arguments: [agent, $0]) ?? false })
        }
        // Spool lanes ship the highest severity first, so a backlog's batches overlap earlier ranges
        // of their agent: each overlap costs a scan of that range's rows (a batch's worth, by row id).
        let spans = try Row.fetchAll(
            try db.cachedStatement(
                sql: "SELECT first_row_id, last_row_id FROM recent_ranges WHERE agent_id = ? AND last_event_id >= ? AND first_event_id <= ?"),
            arguments: [agent, low, high])
        let inSpan = try db.cachedStatement(
            sql: "SELECT event_id FROM events_recent WHERE row_id BETWEEN ? AND ? AND agent_id = ? AND event_id BETWEEN ? AND ?")
        for span in spans {
            found.formUnion(try Int64.fetchAll(inSpan, arguments: [span["first_row_id"] as Int64, span["last_row_id"] as Int64, agent, low, high]))
        }
        return found
    }

    package func commit(_ batch: IngestedBatch) async throws(StoreError) -> CommitOutcome {
        commitsInFlight.add(1, ordering: .relaxed)
        defer { commitsInFlight.subtract(1, ordering: .relaxed) }
        let rows = EventRow.rows(of: batch)
        let agent = batch.agentID, seq = Int64(bitPattern: batch.batchSeq), now = batch.receivedAtMs
        let evicted = Int64(clamping: batch.evicted.events), version = batch.agentVersion
        let outcome = try await group.commit(events: rows.count) { db in
            try db.execute(
                sql: "INSERT INTO batches (agent_id, batch_seq, received_at_ms, event_count) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                arguments: [agent, seq, now, rows.count])
            guard db.changesCount == 1 else {
                let committed = try Int64.fetchOne(db, sql: "SELECT committed_seq FROM agents WHERE agent_id = ?", arguments: [agent]) ?? seq
                return .duplicate(committedSeq: UInt64(bitPattern: committed))
            }
            let statement = try db.cachedStatement(sql: Self.insertEvent)
            let increasing = zip(rows, rows.dropFirst()).allSatisfy { $0.eventID < $1.eventID }
            let known = try Self.alreadyStored(rows, increasing: increasing, agent: agent, in: db)
            let inserted = try SQLiteRowInserter.insert(rows, with: statement, skipping: known, repeatsPossible: !increasing, in: db)
            if let span = inserted.span {
                try db.cachedStatement(
                    sql: "INSERT INTO recent_ranges (agent_id, first_event_id, last_event_id, first_row_id, last_row_id) VALUES (?, ?, ?, ?, ?)"
                ).execute(arguments: [agent, span.lowEventID, span.highEventID, span.firstRowID, span.lastRowID])
            }
            let committed = try Int64.fetchOne(
                db,
                sql: """
                    INSERT INTO agents (agent_id, committed_seq, last_seen_ms, agent_version, batches, events, evicted_events)
                    VALUES (?, ?, ?, ?, 1, ?, ?)
                    ON CONFLICT (agent_id) DO UPDATE SET
                        committed_seq = max(committed_seq, excluded.committed_seq), last_seen_ms = excluded.last_seen_ms,
                        agent_version = excluded.agent_version, batches = batches + 1, events = events + excluded.events,
                        evicted_events = evicted_events + excluded.evicted_events
                    RETURNING committed_seq
                    """,
                arguments: [agent, seq, now, version, inserted.count, evicted]) ?? seq
            return .committed(storedEvents: inserted.count, committedSeq: UInt64(bitPattern: committed), alreadyStored: inserted.skipped)
        }.get()
        lastCommit.max(now, ordering: .relaxed)
        return outcome
    }

    /// Moves up to `maxEvents` of the oldest rows of the recent tier into the indexed table in one
    /// transaction (`RecentIndexer`); returns how many moved.
    package func indexRecent(maxEvents: Int) async throws(StoreError) -> Int {
        try await run { db in
            // Row ids grow with arrival, so the oldest `maxEvents` rows end at the first one's id plus
            // `maxEvents` - 1 (fewer when retention left gaps): one lookup, not a walk over the rows.
            guard let first = try Int64.fetchOne(db, sql: "SELECT min(row_id) FROM events_recent") else {
                // Retention may have emptied the tier around the indexer.
                try db.execute(sql: "DELETE FROM recent_ranges")
                return 0
            }
            let last = first + Int64(max(1, maxEvents)) - 1
            // A row already indexed (which the commit's check prevents) is dropped, not a failure
            // that would stop every later move.
            try db.execute(
                sql: """
                    INSERT INTO events_indexed (\(StoreSchema.eventInsertColumns))
                    SELECT \(StoreSchema.eventInsertColumns) FROM events_recent WHERE row_id <= ? ORDER BY row_id
                    ON CONFLICT DO NOTHING
                    """,
                arguments: [last])
            try db.execute(sql: "DELETE FROM events_recent WHERE row_id <= ?", arguments: [last])
            let moved = db.changesCount
            // Every row of these ranges has moved (rows at or below `last` all did).
            try db.execute(sql: "DELETE FROM recent_ranges WHERE last_row_id <= ?", arguments: [last])
            return moved
        }
    }

    /// What waits in the recent tier.
    package func recentBacklog() async throws(StoreError) -> RecentBacklog {
        let backlog = try await read { db in
            // Row ids are handed out in order and only the oldest rows move, so the span of row
            // ids is the count without a scan; retention deleting inside it makes it an upper
            // bound (0 stays exact).
            let row = try Row.fetchOne(
                db, sql: "SELECT max(row_id) - min(row_id) + 1 AS n, (SELECT received_at_ms FROM events_recent ORDER BY row_id LIMIT 1) AS t FROM events_recent")
            let count: Int = row?["n"] ?? 0
            let oldest: Int64? = row?["t"]
            return (count, oldest)
        }
        let last = lastCommit.load(ordering: .relaxed)
        return RecentBacklog(events: backlog.0, oldestReceivedMs: backlog.1, lastCommitMs: last == 0 ? nil : last,
            commitsInFlight: commitsInFlight.load(ordering: .relaxed))
    }

    package func committedSequence(agent: String) async throws(StoreError) -> UInt64? {
        try await read { db in
            try Int64.fetchOne(db, sql: "SELECT committed_seq FROM agents WHERE agent_id = ?", arguments: [agent]).map { UInt64(bitPattern: $0) }
        }
    }

    package func events(_ query: EventQuery) async throws(StoreError) -> [StoredEvent] {
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        func add(_ condition: String, _ value: (any DatabaseValueConvertible)?) {
            conditions.append(condition)
            arguments.append(value)
        }
        if let v = query.fromMs { add("capture_time_ms >= ?", v) }
        if let v = query.toMs { add("capture_time_ms < ?", v) }
        if let v = query.agent { add("agent_id = ?", v) }
        if let v = query.camera { add("camera_id = ?", v) }
        if let v = query.district { add("district_id = ?", v) }
        if let v = query.kind { add("kind = ?", v) }
        if let after = query.after {
            conditions.append("(capture_time_ms, agent_id, event_id) > (?, ?, ?)")
            arguments += [after.captureTimeMs, after.agentID, Int64(bitPattern: after.eventID)]
        }
        if let before = query.before {
            conditions.append("(capture_time_ms, agent_id, event_id) < (?, ?, ?)")
            arguments += [before.captureTimeMs, before.agentID, Int64(bitPattern: before.eventID)]
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let order = query.ascending ? "capture_time_ms, agent_id, event_id" : "capture_time_ms DESC, agent_id DESC, event_id DESC"
        let sql = "SELECT \(StoreSchema.eventInsertColumns) FROM events \(filter) ORDER BY \(order) LIMIT \(max(1, min(query.limit, 10_000)))"
        let sqlArguments = StatementArguments(arguments)
        return try await read { db in
            try EventRow.fetchAll(db, sql: sql, arguments: sqlArguments).map { try $0.stored() }
        }
    }

    package func ping() async throws(StoreError) {
        _ = try await run { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    package func eventCount() async throws(StoreError) -> Int {
        try await read { db in try Int.fetchOne(db, sql: StoreSchema.countSQL) ?? 0 }
    }

    package func deleteBatchRecords(receivedBefore cutoffMs: Int64, limit: Int) async throws(StoreError) -> Int {
        try await run { db in
            try db.execute(
                sql: "DELETE FROM batches WHERE (agent_id, batch_seq) IN (SELECT agent_id, batch_seq FROM batches WHERE received_at_ms < ? LIMIT ?)",
                arguments: [cutoffMs, limit])
            return db.changesCount
        }
    }

    package func deleteEvents(capturedBefore cutoffMs: Int64, limit: Int) async throws(StoreError) -> Int {
        try await run { db in
            var deleted = 0
            for table in StoreSchema.eventTables where deleted < limit {
                try db.execute(
                    sql: "DELETE FROM \(table) WHERE row_id IN (SELECT row_id FROM \(table) WHERE capture_time_ms < ? ORDER BY capture_time_ms LIMIT ?)",
                    arguments: [cutoffMs, limit - deleted])
                deleted += db.changesCount
            }
            return deleted
        }
    }

    package func shrink(toBytes maxBytes: Int64, limit: Int) async throws(StoreError) -> Int {
        var size = try await sizeBytes()
        guard size > maxBytes else { return 0 }
        var remaining = try await eventCount()
        var deleted = 0
        while deleted < limit, size > maxBytes, remaining > 0 {
            // Delete the share of events that the excess is of the size (at least one, at most a
            // chunk): steps shrink as the store nears its cap instead of overshooting by a chunk.
            let excess = Double(size - maxBytes) / Double(size)
            let step = min(RetentionService.chunk, limit - deleted, max(1, Int((Double(remaining) * excess).rounded(.up))))
            // The oldest `step` events of both tiers (a late backlog may sit in the recent one):
            // everything captured up to the step-th oldest time (ties included).
            let n = try await run { db in
                guard let through = try Int64.fetchOne(
                    db, sql: "SELECT capture_time_ms FROM events ORDER BY capture_time_ms LIMIT 1 OFFSET ?", arguments: [step - 1])
                    ?? Int64.fetchOne(db, sql: "SELECT max(capture_time_ms) FROM events")
                else { return 0 }
                var n = 0
                for table in StoreSchema.eventTables {
                    try db.execute(sql: "DELETE FROM \(table) WHERE capture_time_ms <= ?", arguments: [through])
                    n += db.changesCount
                }
                return n
            }
            if n == 0 { break }
            deleted += n
            remaining -= n
            size = try await sizeBytes()
        }
        return deleted
    }

    /// Pages in use (free pages are reused by new rows, so they do not count).
    package func agents() async throws(StoreError) -> [AgentRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM agents ORDER BY agent_id").map { row in
                AgentRecord(
                    agentID: row["agent_id"], committedSeq: UInt64(bitPattern: row["committed_seq"]), lastSeenMs: row["last_seen_ms"],
                    agentVersion: row["agent_version"], batches: row["batches"], events: row["events"], evictedEvents: row["evicted_events"])
            }
        }
    }

    package func lastEventTimes() async throws(StoreError) -> [String: Int64] {
        try await read { db in
            // One index probe per camera (events_camera_time), not a scan, and the recent tier.
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: StoreSchema.lastEventTimesSQL)
                .map { ($0["camera_id"] as String, $0["t"] as Int64) })
        }
    }

    package func hourlyCounts(fromMs: Int64, toMs: Int64) async throws(StoreError) -> [HourlyCount] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT (capture_time_ms / 3600000) * 3600000 AS hour, district_id, kind, count(*) AS n FROM events
                    WHERE capture_time_ms >= ? AND capture_time_ms < ? GROUP BY hour, district_id, kind ORDER BY hour, district_id, kind
                    """,
                arguments: [fromMs, toMs]
            ).map { HourlyCount(hourMs: $0["hour"], district: $0["district_id"], kind: $0["kind"], count: $0["n"]) }
        }
    }

    package func sizeBytes() async throws(StoreError) -> Int64 {
        try await read { db in
            let pages = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            let free = try Int64.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
            let size = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
            return (pages - free) * size
        }
    }

    /// `PRAGMA synchronous` of the connection that commits (2 = FULL).
    func writerSynchronousLevel() async throws(StoreError) -> Int {
        try await run { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    package func close() async {
        try? pool.close()
    }

    private func run<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        do { return try await pool.write(body) } catch { throw Self.mapped(error) }
    }

    private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        do { return try await pool.read(body) } catch { throw Self.mapped(error) }
    }

    /// Disk full, read-only file, I/O errors, locks: retryable (the agent keeps its batch).
    static func mapped(_ error: any Error) -> StoreError {
        if let e = error as? StoreError { return e }
        guard let db = error as? DatabaseError else { return .failed("\(error)") }
        switch db.resultCode.primaryResultCode {
        // SQLITE_ABORT: a group commit's transaction rolled back by another batch's I/O failure.
        case .SQLITE_FULL, .SQLITE_READONLY, .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_PERM, .SQLITE_NOMEM, .SQLITE_ABORT:
            return .unavailable(db.description)
        default:
            return .failed(db.description)
        }
    }
}

/// Reading rows back: the same column names as `EventRow.columns` and `arguments(_:)`.
extension EventRow: FetchableRecord {
    init(row: Row) throws {
        var box: (Int, Int, Int, Int)?
        if let x: Int = row["box_x"], let y: Int = row["box_y"], let w: Int = row["box_w"], let h: Int = row["box_h"] { box = (x, y, w, h) }
        self.init(
            agentID: row["agent_id"], eventID: row["event_id"], lifecycleID: row["lifecycle_id"], batchSeq: row["batch_seq"],
            cameraID: row["camera_id"], districtID: row["district_id"], kind: row["kind"], phase: row["phase"],
            severity: row["severity"], captureTimeMs: row["capture_time_ms"], agentTimeMs: row["agent_time_ms"],
            receivedAtMs: row["received_at_ms"], trackID: row["track_id"], box: box, zone: row["zone"],
            confidencePermille: row["confidence_permille"], attributes: row["attributes"], snapshot: row["snapshot"])
    }
}
