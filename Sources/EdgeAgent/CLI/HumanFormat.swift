import Foundation

/// Numbers for people: ages, sizes, rates.
enum HumanFormat {
    static func age(ms: Int64?) -> String {
        guard let ms else { return "-" }
        let s = Double(ms) / 1000
        switch s {
        case ..<10: return String(format: "%.1fs", s)
        case ..<120: return "\(Int(s))s"
        case ..<7200: return "\(Int(s / 60))m"
        case ..<172_800: return "\(Int(s / 3600))h"
        default: return "\(Int(s / 86_400))d"
        }
    }

    static func bytes(_ n: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(n)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(n) B" : String(format: "%.1f %@", value, units[unit])
    }

    static func percent(_ load: Double?) -> String { load.map { String(format: "%.0f%%", $0 * 100) } ?? "-" }

    static func time(ms: Int64?) -> String {
        guard let ms else { return "-" }
        return ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }
}
