import DequeModule

/// A sliding window over one numeric attribute keeping the window's minimum and maximum with
/// monotonic deques (O(1) amortised per sample), for `rate: {rise|fall}` rules.
struct RateWindow {
    private var minima: Deque<(timeMs: Int64, value: Double, snapshot: InputSnapshot)> = []
    private var maxima: Deque<(timeMs: Int64, value: Double, snapshot: InputSnapshot)> = []
    private(set) var newestMs: Int64 = .min

    var isEmpty: Bool { minima.isEmpty }

    /// Samples must arrive in time order; an older one (within lateness) is ignored, since the
    /// extremes would need rebuilding. Returns false when ignored.
    @discardableResult
    mutating func add(value: Double, snapshot: InputSnapshot) -> Bool {
        guard snapshot.timeMs >= newestMs else { return false }
        newestMs = snapshot.timeMs
        while let last = minima.last, last.value >= value { minima.removeLast() }
        minima.append((snapshot.timeMs, value, snapshot))
        while let last = maxima.last, last.value <= value { maxima.removeLast() }
        maxima.append((snapshot.timeMs, value, snapshot))
        return true
    }

    mutating func evict(before cutoffMs: Int64) {
        while let first = minima.first, first.timeMs < cutoffMs { minima.removeFirst() }
        while let first = maxima.first, first.timeMs < cutoffMs { maxima.removeFirst() }
    }

    /// The lowest sample in the window (the earliest of equal ones is dropped first).
    var lowest: (value: Double, snapshot: InputSnapshot)? { minima.first.map { ($0.value, $0.snapshot) } }
    var highest: (value: Double, snapshot: InputSnapshot)? { maxima.first.map { ($0.value, $0.snapshot) } }
    var entryCount: Int { minima.count + maxima.count }
}
