import Foundation
import Shared

/// A span of time in a scenario file: `500ms`, `30s`, `10m`, `2h`, `1d`, or a combination such as
/// `1h30m`. Held in milliseconds.
struct ScenarioDuration: Decodable, Sendable, Hashable, CustomStringConvertible {
    let milliseconds: Int64

    init(milliseconds: Int64) { self.milliseconds = milliseconds }

    init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let ms = Self.parse(text), ms > 0 else {
            throw ConfigValueError("'\(text)' is not a duration: write a positive number with a unit, e.g. 30s, 10m, 2h, 1h30m (units: ms, s, m, h, d)")
        }
        guard ms <= Self.maximum else { throw ConfigValueError("'\(text)' is longer than the longest duration allowed, 366d") }
        milliseconds = ms
    }

    /// 366 days: windows, waits and cooldowns longer than a year make no sense, and the bound keeps
    /// every time + duration sum far from overflowing.
    static let maximum: Int64 = 366 * 86_400_000

    /// Nil when the text is not a sequence of `<digits><unit>` parts (or their sum overflows).
    static func parse(_ text: String) -> Int64? {
        var total: Int64 = 0
        var digits: Int64?
        var chars = Array(text.trimmingCharacters(in: .whitespaces))[...]
        guard !chars.isEmpty else { return nil }
        while let c = chars.first {
            if let d = c.wholeNumberValue, c.isASCII {
                let (m, o1) = (digits ?? 0).multipliedReportingOverflow(by: 10)
                let (v, o2) = m.addingReportingOverflow(Int64(d))
                guard !o1, !o2 else { return nil }
                digits = v
                chars.removeFirst()
                continue
            }
            guard let value = digits else { return nil }
            let unit: Int64
            if chars.starts(with: "ms") { unit = 1; chars.removeFirst(2) }
            else {
                switch c {
                case "s": unit = 1000
                case "m": unit = 60_000
                case "h": unit = 3_600_000
                case "d": unit = 86_400_000
                default: return nil
                }
                chars.removeFirst()
            }
            let (part, o) = value.multipliedReportingOverflow(by: unit)
            guard !o else { return nil }
            let (sum, o2) = total.addingReportingOverflow(part)
            guard !o2 else { return nil }
            total = sum
            digits = nil
        }
        return digits == nil ? total : nil
    }

    var description: String {
        let ms = milliseconds
        if ms % 86_400_000 == 0 { return "\(ms / 86_400_000)d" }
        if ms % 3_600_000 == 0 { return "\(ms / 3_600_000)h" }
        if ms % 60_000 == 0 { return "\(ms / 60_000)m" }
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        return "\(ms)ms"
    }
}
