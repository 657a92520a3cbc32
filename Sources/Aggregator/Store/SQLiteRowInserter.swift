import GRDB
import GRDBSQLite

/// Inserts event rows through SQLite's own bind calls on GRDB's prepared statement. GRDB's
/// `StatementArguments` box every value in an existential array; on the commit path that was a
/// fifth of the store's CPU time (`bench ingest`, profiled), for the same statement and values.
struct SQLiteRowInserter {
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// Runs `statement` (the events INSERT, columns in `EventRow.columns` order) once per row
    /// whose event id is not in `skipping`; returns how many rows were inserted (duplicates are
    /// also skipped by its ON CONFLICT clause) and the event ids of the skipped ones.
    static func insert(
        _ rows: [EventRow], with statement: Statement, skipping: Set<Int64> = [], in db: Database
    ) throws -> (inserted: Int, skipped: [UInt64]) {
        let s = statement.sqliteStatement
        var inserted = 0
        var skipped: [UInt64] = []
        for r in rows {
            if skipping.contains(r.eventID) {
                skipped.append(UInt64(bitPattern: r.eventID))
                continue
            }
            sqlite3_reset(s)
            var i: Int32 = 0
            func text(_ v: String?) {
                i += 1
                if let v { sqlite3_bind_text(s, i, v, -1, transient) } else { sqlite3_bind_null(s, i) }
            }
            func int(_ v: Int64?) {
                i += 1
                if let v { sqlite3_bind_int64(s, i, v) } else { sqlite3_bind_null(s, i) }
            }
            text(r.agentID); int(r.eventID); int(r.lifecycleID); int(r.batchSeq); text(r.cameraID); text(r.districtID)
            text(r.kind); text(r.phase); text(r.severity); int(Int64(r.severityRank)); int(r.captureTimeMs); int(r.agentTimeMs)
            int(r.receivedAtMs); int(r.trackID); int(r.boxX.map(Int64.init)); int(r.boxY.map(Int64.init))
            int(r.boxWidth.map(Int64.init)); int(r.boxHeight.map(Int64.init)); text(r.zone); int(Int64(r.confidencePermille))
            text(r.attributes); text(r.snapshot)
            let code = sqlite3_step(s)
            guard code == SQLITE_DONE else {
                let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
                sqlite3_reset(s)
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
            }
            if sqlite3_changes(db.sqliteConnection) > 0 { inserted += 1 } else { skipped.append(UInt64(bitPattern: r.eventID)) }
        }
        sqlite3_reset(s)
        sqlite3_clear_bindings(s)
        return (inserted, skipped)
    }
}
