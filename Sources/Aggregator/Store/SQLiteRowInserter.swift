import GRDB
import GRDBSQLite

/// Inserts event rows through SQLite's own bind calls on GRDB's prepared statement. GRDB's
/// `StatementArguments` box every value in an existential array; on the commit path that was a
/// fifth of the store's CPU time (`bench ingest`, profiled), for the same statement and values.
struct SQLiteRowInserter {
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// What an insert did.
    struct Inserted {
        var count = 0
        /// Event ids of the rows not inserted because they were already stored (a repeat within
        /// `rows` of an id inserted here is not listed).
        var skipped: [UInt64] = []
        /// The inserted rows' smallest and largest event id and first and last row id (nil: none).
        var span: (lowEventID: Int64, highEventID: Int64, firstRowID: Int64, lastRowID: Int64)?
    }

    /// Runs `statement` (the events INSERT, columns in `EventRow.columns` order) once per row
    /// whose event id is not in `skipping` (rows its ON CONFLICT clause, if any, ignores count as
    /// skipped too). `repeatsPossible`: the ids may repeat within `rows` (they do not increase);
    /// a repeat of an id inserted here is dropped without being reported (it is not stored by
    /// another batch: the callers' "already stored" list would hide the stored copy).
    static func insert(
        _ rows: [EventRow], with statement: Statement, skipping: Set<Int64> = [], repeatsPossible: Bool = false, in db: Database
    ) throws -> Inserted {
        let s = statement.sqliteStatement
        var result = Inserted()
        var seen = Set<Int64>()
        for r in rows {
            if skipping.contains(r.eventID) {
                result.skipped.append(UInt64(bitPattern: r.eventID))
                continue
            }
            if repeatsPossible, !seen.insert(r.eventID).inserted { continue }
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
            guard sqlite3_changes(db.sqliteConnection) > 0 else {
                result.skipped.append(UInt64(bitPattern: r.eventID))
                continue
            }
            result.count += 1
            let rowID = sqlite3_last_insert_rowid(db.sqliteConnection)
            if let span = result.span {
                result.span = (min(span.lowEventID, r.eventID), max(span.highEventID, r.eventID), span.firstRowID, rowID)
            } else {
                result.span = (r.eventID, r.eventID, rowID, rowID)
            }
        }
        sqlite3_reset(s)
        sqlite3_clear_bindings(s)
        return result
    }
}
