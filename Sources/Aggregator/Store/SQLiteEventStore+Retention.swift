import GRDB

/// Retention over both tiers. The recent tier keeps whole batches, so it loses a batch only when
/// every event of it is past the cut; a batch that straddles it goes when the indexer has moved
/// it, at the next pass.
extension SQLiteEventStore {
    package func deleteBatchRecords(receivedBefore cutoffMs: Int64, limit: Int) async throws(StoreError) -> Int {
        try await run { db in
            try db.execute(
                sql: "DELETE FROM batches WHERE (agent_id, batch_seq) IN (SELECT agent_id, batch_seq FROM batches WHERE received_at_ms < ? LIMIT ?)",
                arguments: [cutoffMs, limit])
            return db.changesCount
        }
    }

    package func deleteEvents(capturedBefore cutoffMs: Int64, limit: Int) async throws(StoreError) -> Int {
        let (indexed, recent) = try await run { db in
            try db.execute(
                sql: "DELETE FROM events_indexed WHERE row_id IN (SELECT row_id FROM events_indexed WHERE capture_time_ms < ? ORDER BY capture_time_ms LIMIT ?)",
                arguments: [cutoffMs, limit])
            let indexed = db.changesCount
            return (indexed, try Self.deleteRecentBatches(db, capturedBefore: cutoffMs, limit: limit - indexed))
        }
        activity.left(recent)
        return indexed + recent
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
            // The oldest `step` indexed events, ties included, and the recent batches wholly as
            // old (a late backlog may sit there); with nothing indexed, the oldest recent batch.
            let (indexed, recent) = try await run { db -> (Int, Int) in
                guard let through = try Int64.fetchOne(
                    db, sql: "SELECT capture_time_ms FROM events_indexed ORDER BY capture_time_ms LIMIT 1 OFFSET ?", arguments: [step - 1])
                    ?? Int64.fetchOne(db, sql: "SELECT max(capture_time_ms) FROM events_indexed")
                    ?? Int64.fetchOne(db, sql: "SELECT min(last_capture_ms) FROM recent_batches")
                else { return (0, 0) }
                try db.execute(sql: "DELETE FROM events_indexed WHERE capture_time_ms <= ?", arguments: [through])
                let indexed = db.changesCount
                return (indexed, try Self.deleteRecentBatches(db, capturedBefore: through == .max ? .max : through + 1, limit: .max))
            }
            activity.left(recent)
            let n = indexed + recent
            if n == 0 { break }
            deleted += n
            remaining -= n
            size = try await sizeBytes()
        }
        return deleted
    }

    /// Deletes the recent batches (oldest first) whose events were all captured before `cutoffMs`,
    /// as long as their events fit in `limit`; returns how many events went.
    private static func deleteRecentBatches(_ db: Database, capturedBefore cutoffMs: Int64, limit: Int) throws -> Int {
        guard limit > 0 else { return 0 }
        var rowIDs: [Int64] = []
        var events = 0
        for row in try Row.fetchAll(db, sql: "SELECT row_id, event_count FROM recent_batches WHERE last_capture_ms < ? ORDER BY row_id", arguments: [cutoffMs]) {
            let count: Int = row["event_count"]
            guard events + count <= limit else { break }
            events += count
            rowIDs.append(row["row_id"])
        }
        for id in rowIDs { try db.execute(sql: "DELETE FROM recent_batches WHERE row_id = ?", arguments: [id]) }
        return events
    }
}
