import Foundation
import Logging
import NIOSSL
import PostgresNIO
import Shared

/// The scale-out store: PostgreSQL through postgres-nio's connection pool. A batch is committed
/// in one transaction into the recent tier of batches (migration v2, the same as SQLite's v4:
/// `PostgresEventStore+RecentTier.swift`); the server's `synchronous_commit` makes it durable
/// before the ack. An indexer expands the batches into `events`.
///
/// The pool runs in a task the store owns, from `open` to `close`.
package final class PostgresEventStore: RecentTierStore {
    let client: PostgresClient
    private let runner: Task<Void, Never>
    let logger: Logger
    /// Commits in flight, the last one's time and the events waiting in the recent tier (set from
    /// the database by every `recentBacklog`: other aggregators sharing it move and commit too).
    let activity = RecentTierActivity(maxWaiting: 5_000_000)
    /// A bound on waiting for a pooled connection or a statement: past it the agent gets 503 and
    /// retries, instead of the request hanging while the server is away.
    private let timeout: Duration

    private init(client: PostgresClient, logger: Logger, timeout: Duration) {
        self.client = client
        self.logger = logger
        self.timeout = timeout
        runner = Task { await client.run() }
    }

    /// Connects, migrates the schema (serialised by an advisory lock, so several aggregators may
    /// start at once) and returns the store. Fails with `.unavailable` when the server cannot be
    /// reached within `timeout`; waiting for another aggregator's migration may take up to
    /// `migrationTimeout`.
    package static func open(
        _ settings: PostgresSettings, logger: Logger, timeout: Duration = .seconds(10), migrationTimeout: Duration = .seconds(600)
    ) async throws(StoreError) -> PostgresEventStore {
        let store = PostgresEventStore(client: PostgresClient(configuration: settings.clientConfiguration, backgroundLogger: logger), logger: logger, timeout: timeout)
        do {
            try await store.bounded { client in try await client.query("SELECT 1", logger: logger) }
            try await store.bounded(timeout: migrationTimeout) { client in
                try await client.withTransaction(logger: logger) { connection in
                    try await PostgresMigrations.migrate(connection, logger: logger)
                }
            }
        } catch {
            await store.close()
            throw error
        }
        return store
    }

    package func committedSequence(agent: String) async throws(StoreError) -> UInt64? {
        try await value("SELECT committed_seq FROM agents WHERE agent_id = \(agent)", as: Int64.self).map { UInt64(bitPattern: $0) }
    }

    package func events(_ query: EventQuery) async throws(StoreError) -> [StoredEvent] {
        var conditions: [String] = []
        var binds = PostgresBindings()
        func add(_ column: String, _ op: String, _ value: some PostgresDynamicTypeEncodable) {
            binds.append(value)
            conditions.append("\(column) \(op) $\(binds.count)")
        }
        if let v = query.fromMs { add("capture_time_ms", ">=", v) }
        if let v = query.toMs { add("capture_time_ms", "<", v) }
        if let v = query.agent { add("agent_id", "=", v) }
        if let v = query.camera { add("camera_id", "=", v) }
        if let v = query.district { add("district_id", "=", v) }
        if let v = query.kind { add("kind", "=", v) }
        // Text compares by its bytes (`COLLATE "C"`), as SQLite does and as the recent tier's
        // events are merged in.
        if let after = query.after {
            binds.append(after.captureTimeMs)
            binds.append(after.agentID)
            binds.append(Int64(bitPattern: after.eventID))
            conditions.append("(capture_time_ms, agent_id COLLATE \"C\", event_id) > ($\(binds.count - 2), $\(binds.count - 1), $\(binds.count))")
        }
        if let before = query.before {
            binds.append(before.captureTimeMs)
            binds.append(before.agentID)
            binds.append(Int64(bitPattern: before.eventID))
            conditions.append("(capture_time_ms, agent_id COLLATE \"C\", event_id) < ($\(binds.count - 2), $\(binds.count - 1), $\(binds.count))")
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let order = query.ascending
            ? "capture_time_ms, agent_id COLLATE \"C\", event_id" : "capture_time_ms DESC, agent_id COLLATE \"C\" DESC, event_id DESC"
        let limit = max(1, min(query.limit, 10_000))
        let sql = "SELECT \(StoreSchema.eventInsertColumns) FROM events \(filter) ORDER BY \(order) LIMIT \(limit)"
        let statement = PostgresQuery(unsafeSQL: sql, binds: binds)
        let logger = self.logger
        return try await snapshot { connection in
            let indexed = try await connection.query(statement, logger: logger).collect().map { try EventRow(postgres: $0.makeRandomAccess()) }
            var page = RecentPage(query: query, limit: limit, indexed: indexed)
            let (lowest, highest) = page.captureBounds
            let order = page.batchOrder
            let candidates: PostgresQuery = query.agent.map {
                "SELECT row_id, first_capture_ms, last_capture_ms FROM recent_batches WHERE last_capture_ms >= \(lowest) AND first_capture_ms <= \(highest) AND agent_id = \($0) ORDER BY \(unescaped: order)"
            } ?? "SELECT row_id, first_capture_ms, last_capture_ms FROM recent_batches WHERE last_capture_ms >= \(lowest) AND first_capture_ms <= \(highest) ORDER BY \(unescaped: order)"
            for candidate in try await connection.query(candidates, logger: logger).collect() {
                let (rowID, first, last) = try candidate.decode((Int64, Int64, Int64).self)
                guard page.wants(firstCaptureMs: first, lastCaptureMs: last) else { break }
                let batch = try await connection.query(
                    "SELECT agent_id, batch_seq, received_at_ms, cameras, events FROM recent_batches WHERE row_id = \(rowID)", logger: logger
                ).collect()
                guard let (agent, seq, received, cameras, blob) = try batch.first?.decode((String, Int64, Int64, String, ByteBuffer).self),
                    let rows = try? RecentBatch.rows(agent: agent, batchSeq: seq, receivedAtMs: received, cameras: cameras, events: Array(blob.readableBytesView))
                else { continue }  // a batch that does not decode is left to the indexer
                page.add(rows)
            }
            return try page.rows.map { try $0.stored() }
        }
    }

    /// Runs `body` in a REPEATABLE READ transaction: its queries see one snapshot, so an event
    /// the indexer moves meanwhile is seen once (in one tier or the other).
    private func snapshot<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws(StoreError) -> T {
        let logger = self.logger
        return try await bounded { client in
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", logger: logger)
                return try await body(connection)
            }
        }
    }

    package func ping() async throws(StoreError) {
        _ = try await value("SELECT 1::int8", as: Int64.self)
    }

    package func eventCount() async throws(StoreError) -> Int {
        Int(try await value("SELECT (SELECT count(*) FROM events) + (SELECT coalesce(sum(event_count), 0) FROM recent_batches)::int8", as: Int64.self) ?? 0)
    }

    package func deleteBatchRecords(receivedBefore cutoffMs: Int64, limit: Int) async throws(StoreError) -> Int {
        try await deleted("""
            WITH d AS (DELETE FROM batches WHERE (agent_id, batch_seq) IN (
                SELECT agent_id, batch_seq FROM batches WHERE received_at_ms < \(cutoffMs) LIMIT \(limit)) RETURNING 1)
            SELECT count(*) FROM d
            """)
    }

    /// Indexed events first, then recent batches whose events are all past the cut, as long as
    /// they fit in what is left of `limit` (a batch straddling the cut goes once indexed).
    package func deleteEvents(capturedBefore cutoffMs: Int64, limit: Int) async throws(StoreError) -> Int {
        let logger = self.logger
        let (indexed, recent) = try await bounded { client in
            try await client.withTransaction(logger: logger) { connection -> (Int, Int) in
                let indexed = Int(try await connection.query("""
                    WITH d AS (DELETE FROM events WHERE row_id IN (
                        SELECT row_id FROM events WHERE capture_time_ms < \(cutoffMs) ORDER BY capture_time_ms LIMIT \(limit)) RETURNING 1)
                    SELECT count(*) FROM d
                    """, logger: logger).collect().first?.decode(Int64.self) ?? 0)
                guard indexed < limit else { return (indexed, 0) }
                var picked: [Int64] = []
                var events = 0
                for row in try await connection.query(
                    "SELECT row_id, event_count FROM recent_batches WHERE last_capture_ms < \(cutoffMs) ORDER BY row_id FOR UPDATE SKIP LOCKED", logger: logger
                ).collect() {
                    let (rowID, count) = try row.decode((Int64, Int32).self)
                    guard indexed + events + Int(count) <= limit else { break }
                    picked.append(rowID)
                    events += Int(count)
                }
                if !picked.isEmpty { try await connection.query("DELETE FROM recent_batches WHERE row_id = ANY(\(picked))", logger: logger) }
                return (indexed, events)
            }
        }
        activity.left(recent)
        return indexed + recent
    }

    /// Not offered: PostgreSQL keeps deleted rows' space in its files for reuse (only VACUUM FULL
    /// returns it), so a cap on the files' size cannot be reached by deleting rows. The
    /// configuration refuses `retention.max_bytes` with this store; age retention applies.
    package func shrink(toBytes maxBytes: Int64, limit: Int) async throws(StoreError) -> Int {
        throw .failed("retention.max_bytes is not supported with store.postgres")
    }

    /// The tables' on-disk size, indexes and TOAST included.
    package func agents() async throws(StoreError) -> [AgentRecord] {
        let logger = self.logger
        return try await bounded { client in
            try await client.query("SELECT agent_id, committed_seq, last_seen_ms, agent_version, batches, events, evicted_events FROM agents ORDER BY agent_id", logger: logger)
                .collect().map { row in
                    let (agent, seq, seen, version, batches, events, evicted) = try row.decode((String, Int64, Int64, String, Int64, Int64, Int64).self)
                    return AgentRecord(
                        agentID: agent, committedSeq: UInt64(bitPattern: seq), lastSeenMs: seen, agentVersion: version, batches: batches,
                        events: events, evictedEvents: evicted)
                }
        }
    }

    package func lastEventTimes() async throws(StoreError) -> [String: Int64] {
        let logger = self.logger
        return try await bounded { client in
            var times: [String: Int64] = [:]
            for try await (camera, time) in try await client.query(
                """
                SELECT camera_id, max(t)::int8 FROM (
                    SELECT camera_id, max(capture_time_ms) AS t FROM events GROUP BY camera_id
                    UNION ALL
                    SELECT c->>0, max((c->>2)::int8) FROM recent_batches, jsonb_array_elements(cameras::jsonb) AS c GROUP BY 1
                ) AS latest GROUP BY camera_id
                """, logger: logger
            ).decode((String, Int64).self) {
                times[camera] = time
            }
            return times
        }
    }

    package func hourlyCounts(fromMs: Int64, toMs: Int64) async throws(StoreError) -> [HourlyCount] {
        let logger = self.logger
        return try await snapshot { connection in
            let counts = try await connection.query("""
                SELECT (capture_time_ms / 3600000) * 3600000 AS hour, district_id, kind, count(*) FROM events
                WHERE capture_time_ms >= \(fromMs) AND capture_time_ms < \(toMs) GROUP BY 1, 2, 3
                """, logger: logger)
                .collect().map { row in
                    let (hour, district, kind, n) = try row.decode((Int64, String, String, Int64).self)
                    return HourlyCount(hourMs: hour, district: district, kind: kind, count: n)
                }
            let recent = try await Self.recentRows(connection, fromMs: fromMs, toMs: toMs, agent: nil, logger: logger)
            return HourlyCount.adding(recent, capturedFrom: fromMs, to: toMs, to: counts)
        }
    }

    package func sizeBytes() async throws(StoreError) -> Int64 {
        try await value(
            """
            SELECT (pg_total_relation_size('events') + pg_total_relation_size('batches') + pg_total_relation_size('agents')
                + pg_total_relation_size('recent_batches'))::int8
            """,
            as: Int64.self) ?? 0
    }

    /// `synchronous_commit` as the store's sessions see it ("on" for durable commits).
    func synchronousCommit() async throws(StoreError) -> String? {
        try await value("SHOW synchronous_commit", as: String.self)
    }

    package func close() async {
        runner.cancel()
        await runner.value
    }

    private func value<T: PostgresDecodable & Sendable>(_ query: PostgresQuery, as: T.Type) async throws(StoreError) -> T? where T._DecodableType == T {
        let logger = self.logger
        return try await bounded { client in
            try await client.query(query, logger: logger).collect().first?.decode(T?.self) ?? nil
        }
    }

    private func deleted(_ query: PostgresQuery) async throws(StoreError) -> Int {
        Int(try await value(query, as: Int64.self) ?? 0)
    }

    /// Runs `body` with the pool, giving up after `timeout` (default: the store's; unavailable),
    /// mapping errors.
    func bounded<T: Sendable>(
        timeout: Duration? = nil, _ body: @escaping @Sendable (PostgresClient) async throws -> T
    ) async throws(StoreError) -> T {
        let client = self.client, timeout = timeout ?? self.timeout
        do {
            return try await withThrowingTaskGroup(of: T.self) { group in
                group.addTask { try await body(client) }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw StoreError.unavailable("PostgreSQL did not answer within \(timeout)")
                }
                defer { group.cancelAll() }
                return try await group.next()!
            }
        } catch {
            throw Self.mapped(error)
        }
    }

    /// Connection loss, shutdown, full disk, lock and serialisation conflicts, read-only
    /// standby: retryable (503). Anything else is a bug or corruption (500).
    static func mapped(_ error: any Error) -> StoreError {
        if let e = error as? StoreError { return e }
        if error is CancellationError { return .unavailable("cancelled") }
        guard let psql = error as? PSQLError else { return .failed("\(error)") }
        switch psql.code {
        case .server:
            let state = psql.serverInfo?[.sqlState] ?? ""
            let message = "\(psql.serverInfo?[.message] ?? "server error") (SQLSTATE \(state))"
            let retryable = ["08", "53", "57", "58", "40", "55"].contains(String(state.prefix(2))) || state == "25006"
            return retryable ? .unavailable(message) : .failed(message)
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed, .queryCancelled:
            return .unavailable("PostgreSQL connection: \(psql.code)\(psql.underlying.map { " (\($0))" } ?? "")")
        default:
            return .failed("PostgreSQL: \(psql.code)")
        }
    }
}

extension PostgresSettings {
    var clientConfiguration: PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS
        switch self.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(.makeClientConfiguration())
        case .require:
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let ca = caFile { configuration.trustRoots = .file(ca) }
            tls = .require(configuration)
        }
        var configuration = PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
        configuration.options.maximumConnections = connections
        configuration.options.connectTimeout = .seconds(5)
        // Durable acks do not depend on the database's default (a DBA may have turned it off).
        configuration.options.additionalStartupParameters = [("synchronous_commit", "on"), ("application_name", "citywatch-aggregator")]
        return configuration
    }
}

extension EventRow {
    /// Reading rows back: the same column names as `EventRow.columns`.
    init(postgres row: PostgresRandomAccessRow) throws {
        func cell<T: PostgresDecodable>(_ name: String, _: T.Type = T.self) throws -> T { try row[name].decode(T.self) }
        var box: (Int, Int, Int, Int)?
        if let x = try cell("box_x", Int32?.self), let y = try cell("box_y", Int32?.self), let w = try cell("box_w", Int32?.self),
            let h = try cell("box_h", Int32?.self)
        {
            box = (Int(x), Int(y), Int(w), Int(h))
        }
        self.init(
            agentID: try cell("agent_id"), eventID: try cell("event_id"), lifecycleID: try cell("lifecycle_id"), batchSeq: try cell("batch_seq"),
            cameraID: try cell("camera_id"), districtID: try cell("district_id"), kind: try cell("kind"), phase: try cell("phase"),
            severity: try cell("severity"), captureTimeMs: try cell("capture_time_ms"), agentTimeMs: try cell("agent_time_ms"),
            receivedAtMs: try cell("received_at_ms"), trackID: try cell("track_id"), box: box, zone: try cell("zone"),
            confidencePermille: Int(try cell("confidence_permille", Int32.self)), attributes: try cell("attributes"), snapshot: try cell("snapshot"))
    }
}
