/// When the agent renews its certificate: once two thirds of its lifetime have passed (the
/// convention of ACME clients and of SPIFFE's agents), checking every twentieth of the lifetime
/// (between 1 s and 1 h) and, after a failure, backing off up to the same interval. Plain values,
/// so that it is tested without clocks or files.
struct RenewalPolicy: Sendable, Hashable {
    var notBeforeMs: Int64
    var notAfterMs: Int64

    var lifetimeMs: Int64 { max(1, notAfterMs - notBeforeMs) }
    /// Two thirds into the lifetime.
    var renewAtMs: Int64 { notBeforeMs + lifetimeMs * 2 / 3 }

    func isDue(nowMs: Int64) -> Bool { nowMs >= renewAtMs }

    var checkIntervalMs: Int64 { min(3_600_000, max(1_000, lifetimeMs / 20)) }

    /// How long to wait before the next look: until the renewal point (at most a check interval),
    /// or after `failures` failed attempts, an exponential backoff capped at the check interval.
    func nextCheckDelayMs(nowMs: Int64, failures: Int) -> Int64 {
        if failures > 0 {
            let backoff = Int64(1_000) << Int64(min(failures - 1, 20))
            return min(checkIntervalMs, backoff)
        }
        return max(1_000, min(checkIntervalMs, renewAtMs - nowMs))
    }
}
