import Synchronization

/// The agent's CPU budget for the neural detector: at most `perSecond` inferences a second for
/// the whole agent, shared fairly — each camera has its own token bucket refilled at an equal
/// share, holding at most two tokens, so a busy camera cannot take a quiet one's turns.
/// Refused inferences are counted as skipped (`citywatch_agent_inferences_total{result="skipped"}`).
final class InferenceBudget: Sendable {
    private let buckets: Mutex<[String: (tokens: Double, lastMs: Int64)]>
    private let share: Double

    init(perSecond: Double, cameras: [String]) {
        share = perSecond / Double(max(1, cameras.count))
        buckets = Mutex(Dictionary(uniqueKeysWithValues: cameras.map { ($0, (tokens: 1.0, lastMs: Int64.min)) }))
    }

    /// Takes one inference for `camera` at `nowMs` if its share allows.
    func admit(_ camera: String, nowMs: Int64) -> Bool {
        buckets.withLock { b in
            var bucket = b[camera] ?? (tokens: 1.0, lastMs: Int64.min)
            if bucket.lastMs != .min, nowMs > bucket.lastMs {
                bucket.tokens = min(2, bucket.tokens + Double(nowMs - bucket.lastMs) / 1000 * share)
            }
            bucket.lastMs = max(bucket.lastMs, nowMs)
            let admitted = bucket.tokens >= 1
            if admitted { bucket.tokens -= 1 }
            b[camera] = bucket
            return admitted
        }
    }
}
