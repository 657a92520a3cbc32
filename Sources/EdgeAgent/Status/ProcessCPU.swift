import Foundation

/// CPU time of another process from `/proc/PID/stat` (user + system, in clock ticks): how busy a
/// camera's ffmpeg decoder is.
enum ProcessCPU {
    static let ticksPerSecond = Double(max(1, sysconf(Int32(_SC_CLK_TCK))))

    static func ticks(_ pid: Int32) -> UInt64? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        return ticks(statLine: text)
    }

    /// Fields 14 and 15 (utime, stime) of a stat line; the command name (field 2) may hold spaces
    /// and parentheses, so counting starts after its last `)`.
    static func ticks(statLine: String) -> UInt64? {
        guard let close = statLine.lastIndex(of: ")") else { return nil }
        let fields = statLine[statLine.index(after: close)...].split(separator: " ")
        // After the name: state is field 3, so utime (14) and stime (15) are at 11 and 12 here.
        guard fields.count > 12, let user = UInt64(fields[11]), let system = UInt64(fields[12]) else { return nil }
        return user + system
    }
}
