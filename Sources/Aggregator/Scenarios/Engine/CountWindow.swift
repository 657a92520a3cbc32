import DequeModule

/// A sliding window for one `count` group: entries in event-time order and, for `distinct`, how
/// many entries carry each distinct value. Each input is added once and evicted once: O(1)
/// amortised per input, however long the window.
struct CountWindow {
    private(set) var entries: Deque<(snapshot: InputSnapshot, distinct: String?)> = []
    private var multiplicity: [String: Int] = [:]

    var count: Int { entries.count }
    var distinctCount: Int { multiplicity.count }
    var newestMs: Int64 { entries.last?.snapshot.timeMs ?? .min }

    /// Adds in time order (an input within the lateness allowance may be older than the newest:
    /// it is inserted where it belongs).
    /// `distinct` nil: not counted by value (a rule counting events).
    mutating func add(_ snapshot: InputSnapshot, distinct: String?) {
        if let last = entries.last, last.snapshot.timeMs > snapshot.timeMs {
            var i = entries.count - 1
            while i > 0, entries[i - 1].snapshot.timeMs > snapshot.timeMs { i -= 1 }
            entries.insert((snapshot, distinct), at: i)
        } else {
            entries.append((snapshot, distinct))
        }
        if let distinct { multiplicity[distinct, default: 0] += 1 }
    }

    /// Drops entries older than `cutoffMs`.
    mutating func evict(before cutoffMs: Int64) {
        while let first = entries.first, first.snapshot.timeMs < cutoffMs {
            removeFirst()
        }
    }

    mutating func removeFirst() {
        let first = entries.removeFirst()
        guard let distinct = first.distinct else { return }
        if let n = multiplicity[distinct], n > 1 { multiplicity[distinct] = n - 1 } else { multiplicity[distinct] = nil }
    }
}
