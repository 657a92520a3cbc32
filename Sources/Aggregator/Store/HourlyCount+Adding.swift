extension HourlyCount {
    /// `counts` with the `rows` captured in [fromMs, toMs) counted in (the recent tier's events,
    /// which SQL cannot count), ordered by hour, district and kind, text by its UTF-8 bytes
    /// (SQLite's order; PostgreSQL's with `COLLATE "C"`).
    static func adding(_ rows: [EventRow], capturedFrom fromMs: Int64, to toMs: Int64, to counts: [HourlyCount]) -> [HourlyCount] {
        // Keyed by the bytes, as SQL groups text (Swift's `==` on strings is canonical equivalence).
        struct Key: Hashable { var hour: Int64, district: [UInt8], kind: [UInt8] }
        var sums: [Key: HourlyCount] = [:]
        func add(_ hour: Int64, _ district: String, _ kind: String, _ n: Int64) {
            sums[Key(hour: hour, district: Array(district.utf8), kind: Array(kind.utf8)), default: HourlyCount(hourMs: hour, district: district, kind: kind, count: 0)]
                .count += n
        }
        for c in counts { add(c.hourMs, c.district, c.kind, c.count) }
        // SQL's integer division truncates toward zero, as Swift's does.
        for r in rows where r.captureTimeMs >= fromMs && r.captureTimeMs < toMs { add(r.captureTimeMs / 3_600_000 * 3_600_000, r.districtID, r.kind, 1) }
        return sums.values.sorted {
            if $0.hourMs != $1.hourMs { return $0.hourMs < $1.hourMs }
            if !$0.district.utf8.elementsEqual($1.district.utf8) { return $0.district.utf8.lexicographicallyPrecedes($1.district.utf8) }
            return $0.kind.utf8.lexicographicallyPrecedes($1.kind.utf8)
        }
    }
}
