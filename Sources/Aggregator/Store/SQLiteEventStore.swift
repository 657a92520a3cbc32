import Foundation
import GRDB
import Logging
import Shared

/// The embedded store: one SQLite file through GRDB, WAL mode with `synchronous = FULL`, so a
/// commit has reached the disk (WAL fsynced) before `commit` returns and the batch is acked.
/// Readers see snapshots (WAL), so retention never deletes under a running query.
package final class SQLiteEventStore: RecentTierStore {
    let path: String
    private let pool: DatabasePool
    private let group: SQLiteGroupCommit
    /// Commits in flight, the last one's time and the events waiting in the recent tier (this
    /// process's count: commits add, moves and retention subtract, each backlog read resynchronises).
    let activity: RecentTierActivity

    private let logger: Logger

    /// Opens (creating and migrating when needed) the database at `path`; `readOnly` opens an
    /// existing database for queries only (tools, tests beside a running server).
    package init(
        path: String, readOnly: Bool = false, maxRecentEvents: Int = 5_000_000, logger: Logger = Logger(label: "citywatch.store")
    ) throws(StoreError) {
        self.path = path
        activity = RecentTierActivity(maxWaiting: maxRecentEvents)
        self.logger = logger
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
            activity.resynchronise(waiting: try pool.read { db in try Int.fetchOne(db, sql: "SELECT coalesce(sum(event_count), 0) FROM recent_batches") ?? 0 })
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
        migrator.registerMigration("v4") { db in
            for statement in StoreSchema.batchRecentTier() { try db.execute(sql: statement) }
        }
        return migrator
    }

    /// The indexer's insert: a row already indexed (which the commit's check prevents) is dropped,
    /// not a failure that would stop every later move.
    private static let insertIndexed = """
        INSERT INTO events_indexed (\(StoreSchema.eventInsertColumns))
            VALUES (\(Array(repeating: "?", count: EventRow.columns.count).joined(separator: ", "))) ON CONFLICT DO NOTHING
        """

    /// The columns of `recent_batches` but its row id.
    static let recentColumns =
        "agent_id, batch_seq, received_at_ms, event_count, first_event_id, last_event_id, first_capture_ms, last_capture_ms, cameras, event_ids, events"

    private static let insertRecent = "INSERT INTO recent_batches (\(recentColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

    /// Events of a batch already stored, in either tier. Indexed: one range probe of its unique
    /// index when the ids increase (as the decoder requires, docs/PROTOCOL.md), else a probe per id
    /// (a store does not rely on its caller for that). Recent: the id lists of the agent's batches
    /// whose ids overlap the batch's (none when ids grow, as a live stream's do; a resend, or a
    /// backlog shipped highest severity first, overlaps).
    private static func alreadyStored(_ ids: [Int64], increasing: Bool, agent: String, in db: Database) throws -> Set<Int64> {
        guard let low = ids.min(), let high = ids.max() else { return [] }
        var found: Set<Int64>
        if increasing {
            found = Set(try Int64.fetchAll(
                db, sql: "SELECT event_id FROM events_indexed WHERE agent_id = ? AND event_id BETWEEN ? AND ?", arguments: [agent, low, high]))
        } else {
            let statement = try db.cachedStatement(sql: "SELECT 1 FROM events_indexed WHERE agent_id = ? AND event_id = ?")
            found = Set(try ids.filter { try Bool.fetchOne(statement, arguments: [agent, $0]) ?? false })
        }
        let overlapping = try db.cachedStatement(
            sql: "SELECT event_ids FROM recent_batches WHERE agent_id = ? AND last_event_id >= ? AND first_event_id <= ?")
        // The range probe also finds ids between the batch's own (another lane's events).
        found.formIntersection(ids)
        found.formUnion(try RecentBatch.stored(ids, in: try Data.fetchAll(overlapping, arguments: [agent, low, high]).map { [UInt8]($0) }))
        return found
    }

    package func commit(_ batch: IngestedBatch) async throws(StoreError) -> CommitOutcome {
        try await activity.commit(batch) { pending throws(StoreError) in try await commit(batch, pending) }
    }

    private func commit(_ batch: IngestedBatch, _ pending: PendingCommit) async throws(StoreError) -> CommitOutcome {
        let agent = batch.agentID, seq = Int64(bitPattern: batch.batchSeq), now = batch.receivedAtMs
        let evicted = Int64(clamping: batch.evicted.events), version = batch.agentVersion
        let ids = pending.ids
        return try await group.commit(events: ids.count) { db in
            try db.execute(
                sql: "INSERT INTO batches (agent_id, batch_seq, received_at_ms, event_count) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                arguments: [agent, seq, now, ids.count])
            guard db.changesCount == 1 else {
                let committed = try Int64.fetchOne(db, sql: "SELECT committed_seq FROM agents WHERE agent_id = ?", arguments: [agent]) ?? seq
                return .duplicate(committedSeq: UInt64(bitPattern: committed))
            }
            let known = try Self.alreadyStored(ids, increasing: pending.increasing, agent: agent, in: db)
            let record = try pending.record(known: known)
            if let r = record {
                try db.cachedStatement(sql: Self.insertRecent).execute(arguments: [
                    r.agentID, Int64(bitPattern: r.batchSeq), r.receivedAtMs, r.eventCount, r.firstEventID, r.lastEventID,
                    r.firstCaptureMs, r.lastCaptureMs, r.cameras, Data(r.eventIDs), Data(r.events),
                ])
            }
            let stored = record?.eventCount ?? 0
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
                arguments: [agent, seq, now, version, stored, evicted]) ?? seq
            return .committed(storedEvents: stored, committedSeq: UInt64(bitPattern: committed), alreadyStored: pending.alreadyStored(known: known))
        }.get()
    }

    /// Moves the oldest batches of the recent tier, about `maxEvents` events (whole batches, at
    /// least one), into the indexed table (`RecentIndexer`); returns how many events left the
    /// recent tier. Batches are decoded on a reader, beside commits, and only inserted on the
    /// writer, so a move holds the writer for the inserts alone; chunks of `chunkEvents` go in
    /// one transaction each, the next chunk decoding while the writer inserts the last.
    package func indexRecent(maxEvents: Int) async throws(StoreError) -> Int {
        let wanted = max(1, maxEvents)
        do {
            var moved = 0, taken = 0
            var pending = try await decodeOldest(after: 0, maxEvents: min(Self.chunkEvents, wanted), atLeastOne: true)
            while let last = pending.last {
                taken += pending.reduce(0) { $0 + $1.events }
                let next = min(Self.chunkEvents, wanted - taken), after = last.rowID
                async let prefetch = next > 0 ? decodeOldest(after: after, maxEvents: next) : []
                moved += try await insertDecoded(pending)
                pending = try await prefetch
            }
            return moved
        } catch {
            throw Self.mapped(error)
        }
    }

    /// Events per transaction of a move.
    static let chunkEvents = 10_000

    /// A recent batch read and decoded for the indexer (`rows` nil: it did not read back).
    private struct DecodedBatch: Sendable {
        var rowID: Int64
        var agentID: String
        var batchSeq: Int64
        var receivedAtMs: Int64
        var events: Int
        var rows: [EventRow]?
        var error: String?
    }

    /// The oldest recent batches after `rowID`, up to `maxEvents` events (`atLeastOne`: the first
    /// batch even if it has more).
    private func decodeOldest(after rowID: Int64, maxEvents: Int, atLeastOne: Bool = false) async throws(StoreError) -> [DecodedBatch] {
        try await read { db in
            var batches: [DecodedBatch] = []
            var events = 0
            let cursor = try Row.fetchCursor(
                db, sql: "SELECT row_id, agent_id, batch_seq, received_at_ms, event_count, cameras, events FROM recent_batches WHERE row_id > ? ORDER BY row_id",
                arguments: [rowID])
            while events < maxEvents, let batch = try cursor.next() {
                let count: Int = batch["event_count"]
                if events + count > maxEvents, !(atLeastOne && batches.isEmpty) { break }
                events += count
                var decoded = DecodedBatch(
                    rowID: batch["row_id"], agentID: batch["agent_id"], batchSeq: batch["batch_seq"], receivedAtMs: batch["received_at_ms"], events: count)
                do { decoded.rows = try Self.rows(ofRecentBatch: batch) } catch { decoded.error = "\(error)" }
                batches.append(decoded)
            }
            return batches
        }
    }

    /// Inserts decoded batches into the indexed table and deletes them from the recent tier, in one
    /// transaction; a batch retention deleted meanwhile is skipped, one that did not read back is
    /// set aside in `recent_batches_unreadable`. Returns the events that left the recent tier.
    private func insertDecoded(_ batches: [DecodedBatch]) async throws(StoreError) -> Int {
        let (moved, unreadable) = try await run { db -> (Int, [String]) in
            let insert = try db.cachedStatement(sql: Self.insertIndexed)
            var moved = 0
            var unreadable: [String] = []
            for batch in batches {
                // Row ids are reused once the tier empties (no AUTOINCREMENT), and retention may
                // have deleted this batch since it was decoded: the batch is named by its agent,
                // sequence and received time too, so that a newer one with its row id is left alone.
                let identity = "row_id = ? AND agent_id = ? AND batch_seq = ? AND received_at_ms = ?"
                let arguments: StatementArguments = [batch.rowID, batch.agentID, batch.batchSeq, batch.receivedAtMs]
                if let error = batch.error {
                    // Its own row id in the set-aside table (a reused one would collide there).
                    try db.execute(
                        sql: "INSERT INTO recent_batches_unreadable (\(Self.recentColumns), error) SELECT \(Self.recentColumns), ? FROM recent_batches WHERE \(identity)",
                        arguments: [error] + arguments)
                }
                try db.execute(sql: "DELETE FROM recent_batches WHERE \(identity)", arguments: arguments)
                guard db.changesCount == 1 else { continue }
                moved += batch.events
                if let rows = batch.rows {
                    _ = try SQLiteRowInserter.insert(rows, with: insert, in: db)
                } else {
                    unreadable.append("row \(batch.rowID): \(batch.error ?? "")")
                }
            }
            return (moved, unreadable)
        }
        activity.left(moved)
        activity.setAside(unreadable, logger: logger)
        return moved
    }

    /// What waits in the recent tier.
    package func recentBacklog() async throws(StoreError) -> RecentBacklog {
        let backlog = try await read { db in
            // One small record per batch (the blobs are not read).
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT coalesce(sum(event_count), 0) AS n, (SELECT received_at_ms FROM recent_batches ORDER BY row_id LIMIT 1) AS t
                    FROM recent_batches
                    """)
            let count: Int = row?["n"] ?? 0
            let oldest: Int64? = row?["t"]
            return (count, oldest)
        }
        // Resynchronised with the database (retention and moves are counted as they happen; this
        // corrects any drift).
        return activity.backlog(events: backlog.0, oldestReceivedMs: backlog.1)
    }

    package func committedSequence(agent: String) async throws(StoreError) -> UInt64? {
        try await read { db in
            try Int64.fetchOne(db, sql: "SELECT committed_seq FROM agents WHERE agent_id = ?", arguments: [agent]).map { UInt64(bitPattern: $0) }
        }
    }

    package func ping() async throws(StoreError) {
        _ = try await run { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    package func agents() async throws(StoreError) -> [AgentRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM agents ORDER BY agent_id").map { row in
                AgentRecord(
                    agentID: row["agent_id"], committedSeq: UInt64(bitPattern: row["committed_seq"]), lastSeenMs: row["last_seen_ms"],
                    agentVersion: row["agent_version"], batches: row["batches"], events: row["events"], evictedEvents: row["evicted_events"])
            }
        }
    }

    /// Pages in use (free pages are reused by new rows, so they do not count).
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

    func run<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        do { return try await pool.write(body) } catch { throw Self.mapped(error) }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
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
