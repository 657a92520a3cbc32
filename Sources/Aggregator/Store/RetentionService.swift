import Logging
import ServiceLifecycle

/// Deletes events older than the retention age, then the oldest ones while the store is above
/// its byte cap, every `interval`. Deletes run in bounded chunks, each its own transaction, so
/// ingest keeps flowing; readers query snapshots, so nothing disappears under a running query.
struct RetentionService: Service {
    /// Rows deleted per transaction.
    static let chunk = 5_000
    /// Most events one pass deletes for the byte cap (the next pass continues).
    static let maxShrinkPerPass = 1_000_000

    let store: any EventStore
    let settings: RetentionSettings
    let now: @Sendable () -> Int64
    let logger: Logger

    /// Sweeps until graceful shutdown, then returns normally (a thrown cancellation would make the
    /// ServiceGroup cancel the other services instead of letting them drain).
    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await sweep()
                do { try await Task.sleep(for: .seconds(settings.intervalSeconds)) } catch { return }
            }
        }
    }

    /// One pass; returns the number of events deleted. Records of committed batches (the
    /// duplicate check) are kept as long as events are, then forgotten too.
    @discardableResult
    func sweep() async -> Int {
        let cutoff = now() - Int64(settings.maxAgeDays) * 86_400_000
        var deleted = 0
        do {
            deleted += try await inChunks { try await store.deleteEvents(capturedBefore: cutoff, limit: $0) }
            _ = try await inChunks { try await store.deleteBatchRecords(receivedBefore: cutoff, limit: $0) }
            if let cap = settings.maxBytes {
                deleted += try await store.shrink(toBytes: cap, limit: Self.maxShrinkPerPass)
            }
        } catch {
            logger.warning("retention pass failed; will retry", metadata: ["error": "\(error)"])
        }
        if deleted > 0 { logger.info("retention deleted events", metadata: ["events": "\(deleted)"]) }
        return deleted
    }

    /// Repeats a bounded delete until it deletes less than a chunk.
    private func inChunks(_ delete: (Int) async throws -> Int) async throws -> Int {
        var total = 0
        while true {
            let n = try await delete(Self.chunk)
            total += n
            if n < Self.chunk || Task.isCancelled { return total }
        }
    }
}
