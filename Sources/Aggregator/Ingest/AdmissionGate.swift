import Synchronization

/// Bounds the batches being read, decoded or committed at once. A request that finds the gate
/// full is turned away at once (503 + Retry-After) instead of queueing: memory stays bounded by
/// `capacity` × (body + decoded batch) whatever the number of agents, and agents back off.
final class AdmissionGate: Sendable {
    let capacity: Int
    private let inside = Atomic<Int>(0)

    init(capacity: Int) { self.capacity = capacity }

    /// Enters when there is room; false when full.
    func tryEnter() -> Bool {
        var current = inside.load(ordering: .relaxed)
        while current < capacity {
            let (exchanged, original) = inside.compareExchange(expected: current, desired: current + 1, ordering: .acquiring)
            if exchanged { return true }
            current = original
        }
        return false
    }

    func leave() {
        inside.subtract(1, ordering: .releasing)
    }
}
