import Synchronization

/// A token bucket per API token: `burst` requests at once, refilled at `perSecond`. A token over
/// its rate gets 429 with the seconds until its next request would pass.
final class TokenRateLimiter: Sendable {
    let perSecond: Double
    let burst: Double
    private let buckets = Mutex<[String: (tokens: Double, atMs: Int64)]>([:])

    init(perSecond: Double, burst: Double) {
        self.perSecond = perSecond
        self.burst = burst
    }

    /// nil: admitted; else the whole seconds to wait.
    func admit(_ key: String, nowMs: Int64) -> Int? {
        buckets.withLock { buckets in
            var bucket = buckets[key] ?? (burst, nowMs)
            bucket.tokens = min(burst, bucket.tokens + Double(max(0, nowMs - bucket.atMs)) / 1000 * perSecond)
            bucket.atMs = nowMs
            defer { buckets[key] = bucket }
            guard bucket.tokens >= 1 else { return max(1, Int(((1 - bucket.tokens) / perSecond).rounded(.up))) }
            bucket.tokens -= 1
            return nil
        }
    }
}
