import Synchronization

/// Hands out the agent's event ids: unique and increasing across all cameras of the agent.
/// (The durable spool will seed it from its last committed id.)
final class EventIDAllocator: Sendable {
    private let next: Atomic<UInt64>

    init(startingAt first: UInt64 = 1) { next = Atomic(first) }

    func allocate() -> UInt64 { next.add(1, ordering: .relaxed).oldValue }
}
