/// Runs a periodic check at most every `intervalMs` of capture time. A clock stepped backwards
/// (NTP on a live source) restarts the interval instead of stalling the check.
struct CheckInterval {
    let intervalMs: Int64
    private var lastMs: Int64?

    init(ms: Int64) { intervalMs = ms }

    /// True (and the interval restarts) when a check is due at `nowMs`.
    mutating func isDue(at nowMs: Int64) -> Bool {
        if let last = lastMs, nowMs >= last, nowMs - last < intervalMs { return false }
        lastMs = nowMs
        return true
    }
}
