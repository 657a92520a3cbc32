import Foundation
import Logging
import ServiceLifecycle

/// Group commit for the spool every `interval`, and a last one after the cameras stopped
/// (the ServiceGroup shuts services down in reverse order: this one after the cameras).
struct SpoolCommitService: Service {
    let spool: Spool
    let interval: Duration
    let logger: Logger
    /// Tests' conservation oracle: a file that gets the id of every event once it is durable
    /// (appended and fsynced after each commit).
    var durableIDsPath: String?

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                commit()
                do { try await Task.sleep(for: interval) } catch { return }
            }
        }
        commit()
        logger.notice("spool synced", metadata: ["backlog_bytes": "\(spool.stats.backlogBytes)"])
    }

    private func commit() {
        do {
            let ids = try spool.sync()
            if let durableIDsPath, !ids.isEmpty { try Self.journal(ids, to: durableIDsPath) }
        } catch {
            logger.error("spool commit failed", metadata: ["error": "\(error)"])
        }
    }

    static func journal(_ ids: [UInt64], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SpoolIOError(operation: "open", name: path, errno: errno) }
        defer { close(fd) }
        let text = Array(ids.map { "\($0)\n" }.joined().utf8)
        _ = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
    }
}
