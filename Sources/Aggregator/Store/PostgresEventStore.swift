import Foundation
import Logging
import NIOSSL
import PostgresNIO
import Shared

/// The scale-out store: PostgreSQL through postgres-nio's connection pool. A batch is committed
/// by one statement (batch record, events, agent row), so it is atomic and costs one round trip;
/// the server's `synchronous_commit` (on by default) makes it durable before the ack.
///
/// One `events` table, no recent tier (the SQLite store's, docs/CONFIG-AGGREGATOR.md): concurrent
/// committers already overlap their index work here, and moving rows between tables cost more
/// than it saved (measured with the tier, 18dc182: moves 23.6k events/s, sustained 17k/s).
///
/// The pool runs in a task the store owns, from `open` to `close`.
package final class PostgresEventStore: EventStore {
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private let logger: Logger
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

    private static let commitSQL = """
        WITH b AS (
            INSERT INTO batches (agent_id, batch_seq, received_at_ms, event_count) VALUES ($1, $2, $3, $4)
            ON CONFLICT DO NOTHING RETURNING 1
        ), e AS (
            INSERT INTO events (\(StoreSchema.eventInsertColumns))
            SELECT $1, t.event_id, t.lifecycle_id, $2, t.camera_id, t.district_id, t.kind, t.phase, t.severity, t.severity_rank,
                   t.capture_time_ms, t.agent_time_ms, $3, t.track_id,
                   CASE WHEN t.has_box THEN t.box_x END, CASE WHEN t.has_box THEN t.box_y END,
                   CASE WHEN t.has_box THEN t.box_w END, CASE WHEN t.has_box THEN t.box_h END,
                   CASE WHEN t.has_zone THEN t.zone END, t.confidence_permille, t.attributes,
                   CASE WHEN t.has_snapshot THEN t.snapshot END
            FROM unnest($7::int8[], $8::int8[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::int4[],
                        $15::int8[], $16::int8[], $17::int8[], $18::bool[], $19::int4[], $20::int4[], $21::int4[], $22::int4[],
                        $23::bool[], $24::text[], $25::int4[], $26::text[], $27::bool[], $28::text[])
                AS t(event_id, lifecycle_id, camera_id, district_id, kind, phase, severity, severity_rank,
                     capture_time_ms, agent_time_ms, track_id, has_box, box_x, box_y, box_w, box_h,
                     has_zone, zone, confidence_permille, attributes, has_snapshot, snapshot)
            WHERE EXISTS (SELECT 1 FROM b)
            ON CONFLICT DO NOTHING RETURNING event_id
        ), a AS (
            INSERT INTO agents (agent_id, committed_seq, last_seen_ms, agent_version, batches, events, evicted_events)
            SELECT $1, $2, $3, $5, 1, (SELECT count(*) FROM e), $6 WHERE EXISTS (SELECT 1 FROM b)
            ON CONFLICT (agent_id) DO UPDATE SET
                committed_seq = greatest(agents.committed_seq, excluded.committed_seq), last_seen_ms = excluded.last_seen_ms,
                agent_version = excluded.agent_version, batches = agents.batches + 1, events = agents.events + excluded.events,
                evicted_events = agents.evicted_events + excluded.evicted_events
            RETURNING committed_seq
        )
        SELECT (SELECT count(*) FROM b)::int8, (SELECT count(*) FROM e)::int8, (SELECT committed_seq FROM a),
               (SELECT committed_seq FROM agents WHERE agent_id = $1),
               -- The events that were already stored (only computed when some were).
               CASE WHEN EXISTS (SELECT 1 FROM b) AND (SELECT count(*) FROM e) < $4 THEN
                 (SELECT coalesce(array_agg(t.id ORDER BY t.n), '{}') FROM unnest($7::int8[]) WITH ORDINALITY AS t(id, n)
                  WHERE NOT EXISTS (SELECT 1 FROM e WHERE e.event_id = t.id))
               END
        """

    package func commit(_ batch: IngestedBatch) async throws(StoreError) -> CommitOutcome {
        let rows = EventRow.rows(of: batch)
        var binds = PostgresBindings(capacity: 28)
        binds.append(batch.agentID)
        binds.append(Int64(bitPattern: batch.batchSeq))
        binds.append(batch.receivedAtMs)
        binds.append(Int32(clamping: rows.count))
        binds.append(batch.agentVersion)
        binds.append(Int64(clamping: batch.evicted.events))
        binds.append(rows.map(\.eventID))
        binds.append(rows.map(\.lifecycleID))
        binds.append(rows.map(\.cameraID))
        binds.append(rows.map(\.districtID))
        binds.append(rows.map(\.kind))
        binds.append(rows.map(\.phase))
        binds.append(rows.map(\.severity))
        binds.append(rows.map { Int32(clamping: $0.severityRank) })
        binds.append(rows.map(\.captureTimeMs))
        binds.append(rows.map(\.agentTimeMs))
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
        let query = PostgresQuery(unsafeSQL: Self.commitSQL, binds: binds)
        let seq = Int64(bitPattern: batch.batchSeq)
        let logger = self.logger
        return try await bounded { client in
            let row = try await client.query(query, logger: logger).collect().first
            guard let (inserted, stored, committed, existing, skipped) = try row?.decode((Int64, Int64, Int64?, Int64?, [Int64]?).self) else {
                throw StoreError.failed("commit returned no row")
            }
            guard inserted == 1 else {
                // The statement's snapshot predates a concurrent commit of the same batch: that
                // batch is committed either way, so its own sequence is a true answer.
                return .duplicate(committedSeq: UInt64(bitPattern: existing ?? seq))
            }
            return .committed(
                storedEvents: Int(stored), committedSeq: UInt64(bitPattern: committed ?? seq),
                alreadyStored: (skipped ?? []).map { UInt64(bitPattern: $0) })
        }
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
        if let after = query.after {
            binds.append(after.captureTimeMs)
            binds.append(after.agentID)
            binds.append(Int64(bitPattern: after.eventID))
            conditions.append("(capture_time_ms, agent_id, event_id) > ($\(binds.count - 2), $\(binds.count - 1), $\(binds.count))")
        }
        if let before = query.before {
            binds.append(before.captureTimeMs)
            binds.append(before.agentID)
            binds.append(Int64(bitPattern: before.eventID))
            conditions.append("(capture_time_ms, agent_id, event_id) < ($\(binds.count - 2), $\(binds.count - 1), $\(binds.count))")
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let order = query.ascending ? "capture_time_ms, agent_id, event_id" : "capture_time_ms DESC, agent_id DESC, event_id DESC"
        let sql = "SELECT \(StoreSchema.eventInsertColumns) FROM events \(filter) ORDER BY \(order) LIMIT \(max(1, min(query.limit, 10_000)))"
        let statement = PostgresQuery(unsafeSQL: sql, binds: binds)
        let logger = self.logger
        return try await bounded { client in
            try await client.query(statement, logger: logger).collect().map { try EventRow(postgres: $0.makeRandomAccess()).stored() }
        }
    }

    package func ping() async throws(StoreError) {
        _ = try await value("SELECT 1::int8", as: Int64.self)
    }

    package func eventCount() async throws(StoreError) -> Int {
        Int(try await value("SELECT count(*) FROM events", as: Int64.self) ?? 0)
    }

    package func deleteBatchRecords(receivedBefore cutoffMs: Int64, limit: Int) async throws(StoreError) -> Int {
        try await deleted("""
            WITH d AS (DELETE FROM batches WHERE (agent_id, batch_seq) IN (
                SELECT agent_id, batch_seq FROM batches WHERE received_at_ms < \(cutoffMs) LIMIT \(limit)) RETURNING 1)
            SELECT count(*) FROM d
            """)
    }

    package func deleteEvents(capturedBefore cutoffMs: Int64, limit: Int) async throws(StoreError) -> Int {
        try await deleted("""
            WITH d AS (DELETE FROM events WHERE row_id IN (
                SELECT row_id FROM events WHERE capture_time_ms < \(cutoffMs) ORDER BY capture_time_ms LIMIT \(limit)) RETURNING 1)
            SELECT count(*) FROM d
            """)
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
            for try await (camera, time) in try await client.query("SELECT camera_id, max(capture_time_ms) FROM events GROUP BY camera_id", logger: logger)
                .decode((String, Int64).self)
            {
                times[camera] = time
            }
            return times
        }
    }

    package func hourlyCounts(fromMs: Int64, toMs: Int64) async throws(StoreError) -> [HourlyCount] {
        let logger = self.logger
        return try await bounded { client in
            try await client.query("""
                SELECT (capture_time_ms / 3600000) * 3600000 AS hour, district_id, kind, count(*) FROM events
                WHERE capture_time_ms >= \(fromMs) AND capture_time_ms < \(toMs) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
                """, logger: logger)
                .collect().map { row in
                    let (hour, district, kind, n) = try row.decode((Int64, String, String, Int64).self)
                    return HourlyCount(hourMs: hour, district: district, kind: kind, count: n)
                }
        }
    }

    package func sizeBytes() async throws(StoreError) -> Int64 {
        try await value(
            "SELECT (pg_total_relation_size('events') + pg_total_relation_size('batches') + pg_total_relation_size('agents'))::int8",
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
    private func bounded<T: Sendable>(
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
