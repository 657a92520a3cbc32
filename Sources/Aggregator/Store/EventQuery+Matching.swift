/// The query's filters and order applied to rows in Swift, for events that SQL cannot filter
/// (the SQLite store's recent tier keeps batches as blobs). Same semantics as the SQL the stores
/// build: text compares by its UTF-8 bytes (SQLite's BINARY collation), event ids as the signed
/// 64-bit values stored.
extension EventQuery {
    func matches(_ row: EventRow) -> Bool {
        if let v = fromMs, row.captureTimeMs < v { return false }
        if let v = toMs, row.captureTimeMs >= v { return false }
        if let v = agent, !Self.same(row.agentID, v) { return false }
        if let v = camera, !Self.same(row.cameraID, v) { return false }
        if let v = district, !Self.same(row.districtID, v) { return false }
        if let v = kind, !Self.same(row.kind, v) { return false }
        if let after, Self.compare(row, after) <= 0 { return false }
        if let before, Self.compare(row, before) >= 0 { return false }
        return true
    }

    /// Whether `a` comes before `b` in this query's order.
    func precedes(_ a: EventRow, _ b: EventRow) -> Bool {
        let order = Self.compare((a.captureTimeMs, a.agentID, a.eventID), (b.captureTimeMs, b.agentID, b.eventID))
        return ascending ? order < 0 : order > 0
    }

    private static func compare(_ row: EventRow, _ cursor: EventCursor) -> Int {
        compare((row.captureTimeMs, row.agentID, row.eventID), (cursor.captureTimeMs, cursor.agentID, Int64(bitPattern: cursor.eventID)))
    }

    /// Byte equality (Swift's `==` on strings is canonical equivalence, SQL's is not).
    private static func same(_ a: String, _ b: String) -> Bool { a.utf8.elementsEqual(b.utf8) }

    /// -1, 0 or 1 as (capture time, agent, event id) `a` sorts before, with or after `b`.
    private static func compare(_ a: (Int64, String, Int64), _ b: (Int64, String, Int64)) -> Int {
        if a.0 != b.0 { return a.0 < b.0 ? -1 : 1 }
        if !same(a.1, b.1) { return a.1.utf8.lexicographicallyPrecedes(b.1.utf8) ? -1 : 1 }
        if a.2 != b.2 { return a.2 < b.2 ? -1 : 1 }
        return 0
    }
}

/// A query's page built from the indexed table's page (SQL) and the recent tier's batches, which
/// are visited in the order their capture ranges could reach the page (newest last capture first
/// for newest-first queries, oldest first capture first otherwise): once the page is full and a
/// batch's range lies beyond its last row, no later batch can place an event on it either, so
/// the rest are not decoded.
struct RecentPage {
    let query: EventQuery
    let limit: Int
    /// In the query's order, at most `limit`.
    private(set) var rows: [EventRow]

    init(query: EventQuery, limit: Int, indexed: [EventRow]) {
        self.query = query
        self.limit = limit
        rows = indexed
    }

    /// The SQL order in which to visit recent batches.
    var batchOrder: String { query.ascending ? "first_capture_ms ASC" : "last_capture_ms DESC" }

    /// The capture times a batch must overlap to hold a match: the range and the paging cursor.
    var captureBounds: (lowest: Int64, highest: Int64) {
        var lowest = query.fromMs ?? .min
        var highest = Int64.max
        if let to = query.toMs { highest = to == .min ? .min : to - 1 }  // toMs is exclusive
        if let after = query.after { lowest = max(lowest, after.captureTimeMs) }
        if let before = query.before { highest = min(highest, before.captureTimeMs) }
        return (lowest, highest)
    }

    /// Whether a batch with these capture times could still place an event on the page.
    func wants(firstCaptureMs: Int64, lastCaptureMs: Int64) -> Bool {
        guard rows.count >= limit, let edge = rows.last else { return true }
        return query.ascending ? firstCaptureMs <= edge.captureTimeMs : lastCaptureMs >= edge.captureTimeMs
    }

    mutating func add(_ batch: [EventRow]) {
        let matching = batch.filter(query.matches)
        guard !matching.isEmpty else { return }
        rows = Array((rows + matching).sorted(by: query.precedes).prefix(limit))
    }
}
