import Foundation
import Logging
import Synchronization

/// The last log lines of the running agent, kept in memory for `edge-agent diag` (a box without
/// journald, or a technician without access to it, still gets them).
final class RecentLogs: Sendable {
    let capacity: Int
    private let lines = Mutex<(buffer: [String], start: Int)>(([], 0))

    init(capacity: Int = 1_000) { self.capacity = capacity }

    func append(_ line: String) {
        lines.withLock { l in
            if l.buffer.count < capacity {
                l.buffer.append(line)
            } else {
                l.buffer[l.start] = line
                l.start = (l.start + 1) % capacity
            }
        }
    }

    /// Oldest first.
    var all: [String] { lines.withLock { Array($0.buffer[$0.start...] + $0.buffer[..<$0.start]) } }

    /// swift-log to standard error and into `logs`, at one level.
    static func bootstrap(level: Logger.Level, into logs: RecentLogs) {
        LoggingSystem.bootstrap { label in
            var stream = StreamLogHandler.standardError(label: label)
            stream.logLevel = level
            var ring = Handler(label: label, logs: logs)
            ring.logLevel = level
            return MultiplexLogHandler([stream, ring])
        }
    }

    struct Handler: LogHandler {
        let label: String
        let logs: RecentLogs
        var logLevel: Logger.Level = .info
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            let fields = merged.keys.sorted().map { "\($0)=\(merged[$0]!)" }.joined(separator: " ")
            let time = ISO8601DateFormatter().string(from: Date())
            logs.append("\(time) \(event.level) \(label): \(event.message)\(fields.isEmpty ? "" : " " + fields)")
        }
    }
}
