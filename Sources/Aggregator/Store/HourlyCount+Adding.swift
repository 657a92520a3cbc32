extension HourlyCount {
    /// `counts` with `rows` counted in (the recent tier's events, which SQL cannot count), ordered
    /// by hour, district and kind, text by its UTF-8 bytes (SQLite's order; PostgreSQL's with
    /// `COLLATE "C"`).
    static func adding(_ rows: [EventRow], to counts: [HourlyCount]) -> [HourlyCount] {
        struct Key: Hashable { var hour: Int64, district: String, kind: String }
        var sums: [Key: Int64] = [:]
        for c in counts { sums[Key(hour: c.hourMs, district: c.district, kind: c.kind), default: 0] += c.count }
        // SQL's integer division truncates toward zero, as Swift's does.
        for r in rows { sums[Key(hour: r.captureTimeMs / 3_600_000 * 3_600_000, district: r.districtID, kind: r.kind), default: 0] += 1 }
        return sums.map { HourlyCount(hourMs: $0.key.hour, district: $0.key.district, kind: $0.key.kind, count: $0.value) }.sorted {
            if $0.hourMs != $1.hourMs { return $0.hourMs < $1.hourMs }
            if !$0.district.utf8.elementsEqual($1.district.utf8) { return $0.district.utf8.lexicographicallyPrecedes($1.district.utf8) }
            return $0.kind.utf8.lexicographicallyPrecedes($1.kind.utf8)
        }
    }
}
