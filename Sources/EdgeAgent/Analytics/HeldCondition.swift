import Shared

/// Debounces a condition: a change of state counts only after it has persisted for `holdMs`.
struct HeldCondition {
    let holdMs: Int64
    private var pendingSinceMs: Int64?

    init(seconds: Double) { holdMs = Int64(seconds * 1000) }

    /// The state to report, given the currently reported state and the wanted one.
    mutating func state(current: Bool, wanted: Bool, at nowMs: Int64) -> Bool {
        guard wanted != current else {
            pendingSinceMs = nil
            return current
        }
        let since = pendingSinceMs ?? nowMs
        pendingSinceMs = since
        guard nowMs - since >= holdMs else { return current }
        pendingSinceMs = nil
        return wanted
    }
}

extension EventLifecycles {
    /// A condition with hysteresis on a lifecycle: a closed one opens on `raise`, an open one
    /// closes on `clear`, and either change counts only once it has held (`held`).
    mutating func observe(
        _ key: LifecycleKey, raise: Bool, clear: Bool, held: inout HeldCondition, draft: @autoclosure () -> EventDraft,
        timeMs: Int64, into events: inout [Event]
    ) {
        let open = isOpen(key)
        let active = held.state(current: open, wanted: open ? !clear : raise, at: timeMs)
        observe(key, active: active, draft: draft(), timeMs: timeMs, into: &events)
    }
}
