/// One scenario's evaluation state inside the engine. Only the part its pattern uses is filled.
final class RuleRuntime {
    let scenario: Scenario
    var windows: [String: CountWindow] = [:]
    var rates: [String: RateWindow] = [:]
    var pending: PendingSteps
    var lastFired: [String: Int64] = [:]
    /// At most the deadline of the oldest step in `pending`, the one `expire` looks at first
    /// (`.max`: none). The engine lowers it whenever steps are added or removed (a removal can
    /// make a step oldest that is due earlier: captured earlier, it arrived later within the
    /// lateness allowance) and sets it exactly when it expires the rule's steps; while the
    /// watermark has not passed it, moving the watermark skips the rule.
    var earliestDeadlineBound: Int64 = .max
    private(set) var fired = 0
    private(set) var suppressed = 0
    /// Window entries dropped because a group reached its cap.
    var droppedEntries = 0

    init(scenario: Scenario, pendingCapacity: Int) {
        self.scenario = scenario
        pending = PendingSteps(capacity: pendingCapacity)
    }

    func withWindow<R>(_ group: String, _ body: (inout CountWindow) -> R) -> R {
        body(&windows[group, default: CountWindow()])
    }

    func withRates<R>(_ group: String, _ body: (inout RateWindow) -> R) -> R {
        body(&rates[group, default: RateWindow()])
    }

    /// Applies the cooldown for `key` at event time `timeMs`: true when the rule may fire.
    func admit(key: String, timeMs: Int64) -> Bool {
        if let last = lastFired[key], abs(timeMs - last) < scenario.cooldown.milliseconds {
            suppressed += 1
            return false
        }
        lastFired[key] = max(timeMs, lastFired[key] ?? .min)
        fired += 1
        return true
    }

    /// Entries held (windows, rate extremes, pending steps, cooldown keys).
    var stateEntries: Int {
        windows.values.reduce(0) { $0 + $1.count } + rates.values.reduce(0) { $0 + $1.entryCount } + pending.count + lastFired.count
    }

    /// Forgets groups and cooldown keys that can no longer matter at watermark `w`.
    func sweep(watermarkMs w: Int64) {
        switch scenario.pattern {
        case .count(let p): Self.drop(from: &windows) { $0.newestMs < w - p.window.milliseconds }
        case .rate(let p): Self.drop(from: &rates) { $0.newestMs < w - p.window.milliseconds }
        default: break
        }
        Self.drop(from: &lastFired) { $0 < w - scenario.cooldown.milliseconds }
    }

    /// Removes the entries that are `stale`, in place: most sweeps (one per second of event
    /// time) drop a few keys of many, and rebuilding the dictionary each time was 2 % of
    /// fusion + library (perf); it is rebuilt only when most keys go.
    private static func drop<V>(from entries: inout [String: V], where stale: (V) -> Bool) {
        var keys: [String] = []
        for (key, value) in entries where stale(value) { keys.append(key) }
        guard !keys.isEmpty else { return }
        if keys.count > entries.count / 2 {
            entries = entries.filter { !stale($0.value) }
        } else {
            for key in keys { entries.removeValue(forKey: key) }
        }
    }
}
