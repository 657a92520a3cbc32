import GRDB
import GRDBSQLite

/// Inserts event rows through SQLite's own bind calls on GRDB's prepared statement. GRDB's
/// `StatementArguments` box every value in an existential array; when commits inserted rows
/// (before migration v4) that was a fifth of the store's CPU time (`bench ingest`, profiled), for
/// the same statement and values. The indexer inserts through it now.
struct SQLiteRowInserter {
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// Runs `statement` (an events INSERT, columns in `EventRow.columns` order) once per row;
    /// returns how many rows it inserted (rows its ON CONFLICT clause, if any, ignores are not).
    static func insert(_ rows: [EventRow], with statement: Statement, in db: Database) throws -> Int {
        let s = statement.sqliteStatement
        var inserted = 0
        for r in rows {
            sqlite3_reset(s)
            var i: Int32 = 0
            func text(_ v: String?) {
                i += 1
                guard var v else { sqlite3_bind_null(s, i); return }
                // The string's own UTF-8 with its length: passing a `String` as a C string copies
                // it into a new array first (3 % of a commit, perf). SQLite copies it (transient).
                v.withUTF8 { bytes in
                    if let base = bytes.baseAddress {
                        sqlite3_bind_text(s, i, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self), Int32(bytes.count), transient)
                    } else {
                        sqlite3_bind_text(s, i, "", 0, transient)  // a null pointer would bind NULL
                    }
                }
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
            inserted += Int(sqlite3_changes(db.sqliteConnection))
        }
        sqlite3_reset(s)
        sqlite3_clear_bindings(s)
        return inserted
    }
}
