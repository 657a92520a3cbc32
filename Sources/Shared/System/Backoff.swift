/// Exponential backoff with full jitter (AWS architecture blog's "full jitter"): after the n-th
/// consecutive failure wait `random * min(cap, base * 2^(n-1))`. Shared by the agent's shipper and
/// the aggregator's webhook outbox.
public enum Backoff {
    /// `failures` ≥ 1; `random` in [0, 1).
    public static func fullJitter(failures: Int, base: Double, cap: Double, random: Double) -> Double {
        let exponent = min(max(failures, 1) - 1, 30)
        return min(cap, base * Double(1 << exponent)) * random
    }
}
