import Foundation

/// A point in time as people and tools write it: ms since the epoch, or ISO-8601 (with or without
/// fractional seconds). Shared by the API's `from`/`to` and the CLI's `--from`/`--to`.
enum TimeArgument {
    static func milliseconds(_ text: String) -> Int64? {
        if let ms = Int64(text) { return ms }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return Int64(date.timeIntervalSince1970 * 1000) }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text).map { Int64($0.timeIntervalSince1970 * 1000) }
    }
}
