import Logging
import ServiceLifecycle

/// Deletes events older than the retention age, then the oldest ones while the store is above
/// its byte cap, every `interval`. Deletes run in bounded chunks, each its own transaction, so
/// ingest keeps flowing; readers query snapshots, so nothing disappears under a running query.
struct RetentionService: Service {
    let store: any EventStore
    let settings: RetentionSettings
    let now: @Sendable () -> Int64
    let logger: Logger

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await sweep()
                try await Task.sleep(for: .seconds(settings.intervalSeconds))
            }
        }
    }

    /// One pass; returns the number of events deleted.
    @discardableResult
    func sweep() async -> Int {
        let cutoff = now() - Int64(settings.maxAgeDays) * 86_400_000
        var deleted = 0
        do {
            while true {
                let n = try await store.deleteEvents(capturedBefore: cutoff, limit: 5_000)
                deleted += n
                if n < 5_000 || Task.isCancelled { break }
            }
            if let cap = settings.maxBytes {
                deleted += try await store.shrink(toBytes: cap, limit: 1_000_000)
            }
        } catch {
            logger.warning("retention pass failed; will retry", metadata: ["error": "\(error)"])
        }
        if deleted > 0 { logger.info("retention deleted events", metadata: ["events": "\(deleted)"]) }
        return deleted
    }
}
