import Foundation
import GRDB
import Shared

/// Reads over both tiers: SQL over `events_indexed`, and the recent tier's batches decoded and
/// filtered in Swift (it holds what arrived since the indexer last ran: a bounded backlog), in one
/// snapshot, so an event being moved is seen exactly once.
extension SQLiteEventStore {
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
        let limit = max(1, min(query.limit, 10_000))
        let sql = "SELECT \(StoreSchema.eventInsertColumns) FROM events_indexed \(filter) ORDER BY \(order) LIMIT \(limit)"
        let sqlArguments = StatementArguments(arguments)
        return try await read { db in
            var page = RecentPage(query: query, limit: limit, indexed: try EventRow.fetchAll(db, sql: sql, arguments: sqlArguments))
            let bounds = page.captureBounds
            var recentSQL = """
                SELECT agent_id, batch_seq, received_at_ms, cameras, events, first_capture_ms, last_capture_ms FROM recent_batches
                WHERE last_capture_ms >= ? AND first_capture_ms <= ?
                """
            var recentArguments: StatementArguments = [bounds.lowest, bounds.highest]
            if let agent = query.agent {
                recentSQL += " AND agent_id = ?"
                recentArguments += [agent]
            }
            let batches = try Row.fetchCursor(db, sql: recentSQL + " ORDER BY \(page.batchOrder)", arguments: recentArguments)
            while let batch = try batches.next() {
                guard page.wants(firstCaptureMs: batch["first_capture_ms"], lastCaptureMs: batch["last_capture_ms"]) else { break }
                // A batch that does not decode is left to the indexer, which sets it aside.
                guard let rows = try? Self.rows(ofRecentBatch: batch) else { continue }
                page.add(rows)
            }
            return try page.rows.map { try $0.stored() }
        }
    }

    package func eventCount() async throws(StoreError) -> Int {
        try await read { db in try Int.fetchOne(db, sql: StoreSchema.countSQL) ?? 0 }
    }

    package func lastEventTimes() async throws(StoreError) -> [String: Int64] {
        try await read { db in
            // One index probe per camera (events_camera_time), and each recent batch's camera list.
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: StoreSchema.lastEventTimesSQL)
                .map { ($0["camera_id"] as String, $0["t"] as Int64) })
        }
    }

    package func hourlyCounts(fromMs: Int64, toMs: Int64) async throws(StoreError) -> [HourlyCount] {
        try await read { db in
            let counts = try Row.fetchAll(
                db,
                sql: """
                    SELECT (capture_time_ms / 3600000) * 3600000 AS hour, district_id, kind, count(*) AS n FROM events_indexed
                    WHERE capture_time_ms >= ? AND capture_time_ms < ? GROUP BY hour, district_id, kind ORDER BY hour, district_id, kind
                    """,
                arguments: [fromMs, toMs]
            ).map { HourlyCount(hourMs: $0["hour"], district: $0["district_id"], kind: $0["kind"], count: $0["n"]) }
            return HourlyCount.adding(try Self.recentRows(db, fromMs: fromMs, toMs: toMs, agent: nil), capturedFrom: fromMs, to: toMs, to: counts)
        }
    }

    /// The rows of the recent batches that may hold events captured in [fromMs, toMs) (the caller
    /// filters the events themselves). A batch that does not decode is left to the indexer, which
    /// sets it aside and reports it.
    static func recentRows(_ db: Database, fromMs: Int64?, toMs: Int64?, agent: String?) throws -> [EventRow] {
        var sql = "SELECT agent_id, batch_seq, received_at_ms, cameras, events FROM recent_batches WHERE last_capture_ms >= ? AND first_capture_ms < ?"
        var arguments: StatementArguments = [fromMs ?? .min, toMs ?? .max]
        if let agent {
            sql += " AND agent_id = ?"
            arguments += [agent]
        }
        var rows: [EventRow] = []
        let batches = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        while let batch = try batches.next() {
            guard let events = try? Self.rows(ofRecentBatch: batch) else { continue }
            rows += events
        }
        return rows
    }

    /// The event rows of a `recent_batches` row (agent_id, batch_seq, received_at_ms, cameras,
    /// events).
    static func rows(ofRecentBatch batch: Row) throws -> [EventRow] {
        try RecentBatch.rows(
            agent: batch["agent_id"], batchSeq: batch["batch_seq"], receivedAtMs: batch["received_at_ms"], cameras: batch["cameras"],
            events: [UInt8](batch["events"] as Data))
    }
}
