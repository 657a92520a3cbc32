import Shared

/// Documented heuristics for smoke and flame on the chroma planes. They are cheap screening
/// signals, not certified fire detection: confidences stay below 0.9 and the docs say so. The
/// pixel work (and its exact rules) is in `SmokeFireScan`.
///
/// - Flame: bright pixels that are red-yellow (Cr high, Cb low, Cr − Cb large) and flicker (a good
///   share of them change state between checks, unlike a red car or a sunset).
/// - Smoke: grey (low chroma) pixels that differ moderately from a slow background and are less
///   textured than it (smoke veils the scene), covering a growing area.
struct SmokeFireAnalytics {
    let rules: SmokeFireRules
    private var scanner = SmokeFireScan()
    private var smokeHistory: [(timeMs: Int64, share: Double)] = []
    private var fireHeld: HeldCondition
    private var smokeHeld: HeldCondition
    private var interval = CheckInterval(ms: 200)

    init(rules: SmokeFireRules) {
        self.rules = rules
        fireHeld = HeldCondition(seconds: rules.holdSeconds)
        smokeHeld = HeldCondition(seconds: rules.holdSeconds)
    }

    mutating func process(_ frame: Frame, lifecycles: inout EventLifecycles, into events: inout [Event]) {
        guard rules.smoke || rules.fire, let chroma = frame.chroma else { return }
        let now = frame.captureTimeMs
        guard interval.isDue(at: now) else { return }
        let n = (frame.width / 2) * (frame.height / 2)
        guard frame.width >= 8, frame.height >= 4, chroma.cb.count >= n, chroma.cr.count >= n else { return }
        if scanner.prepare(width: frame.width, height: frame.height, luma: frame.luma) { return }
        let counts = scanner.scan(width: frame.width, luma: frame.luma, cb: chroma.cb, cr: chroma.cr)
        let flameCount = counts.flame, flicker = counts.flicker, smokeCount = counts.smoke
        let sampled = Double(max(counts.samples, 1))
        let flameShare = Double(flameCount) / sampled
        let flickerShare = flameCount > 0 ? Double(flicker) / Double(max(flameCount, 1)) : 0
        if rules.fire {
            let key = LifecycleKey(kind: .fire)
            let candidate = flameShare >= rules.minShare && flickerShare >= 0.15
            let open = lifecycles.isOpen(key)
            let active = fireHeld.state(current: open, wanted: candidate || (open && flameShare >= rules.minShare / 2), at: now)
            lifecycles.observe(key, active: active, draft: EventDraft(
                kind: .fire, confidence: min(0.85, 0.4 + flickerShare), attributes: [
                    "area_ratio": .double((flameShare * 1000).rounded() / 1000),
                    "flicker_hz": .double((flickerShare * 5 * 10).rounded() / 10),
                ]), timeMs: now, into: &events)
        }
        if rules.smoke {
            let share = Double(smokeCount) / sampled
            smokeHistory.append((now, share))
            smokeHistory.removeAll { now - $0.timeMs > Int64(rules.holdSeconds * 1000) + 1000 }
            let growing = (smokeHistory.first?.share ?? 0) < share
            let key = LifecycleKey(kind: .smoke)
            let candidate = share >= rules.minShare && growing
            let open = lifecycles.isOpen(key)
            let active = smokeHeld.state(current: open, wanted: candidate || (open && share >= rules.minShare / 2), at: now)
            lifecycles.observe(key, active: active, draft: EventDraft(
                kind: .smoke, confidence: 0.6, attributes: ["area_ratio": .double((share * 1000).rounded() / 1000)]),
                timeMs: now, into: &events)
        }
    }
}
