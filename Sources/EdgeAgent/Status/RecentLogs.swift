import DequeModule
import Foundation
import Logging
import Synchronization

/// The last log lines of the running agent, kept in memory for `edge-agent diag` (a box without
/// journald, or a technician without access to it, still gets them).
final class RecentLogs: Sendable {
    let capacity: Int
    private let lines = Mutex(Deque<String>())

    init(capacity: Int = 1_000) { self.capacity = capacity }

    func append(_ line: String) {
        lines.withLock { l in
            if l.count == capacity { l.removeFirst() }
            l.append(line)
        }
    }

    /// Oldest first.
    var all: [String] { lines.withLock { Array($0) } }

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
            let time = Date().formatted(.iso8601)
            logs.append("\(time) \(event.level) \(label): \(event.message)\(fields.isEmpty ? "" : " " + fields)")
        }
    }
}
