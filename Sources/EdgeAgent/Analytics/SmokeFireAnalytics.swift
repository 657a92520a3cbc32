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
    private var scanner: SmokeFireScan
    private var smokeHistory: [(timeMs: Int64, share: Double)] = []
    private var fireHeld: HeldCondition
    private var smokeHeld: HeldCondition
    private var interval = CheckInterval(ms: 200)

    init(rules: SmokeFireRules, width: Int, height: Int) {
        self.rules = rules
        scanner = SmokeFireScan(width: width, height: height)
        fireHeld = HeldCondition(seconds: rules.holdSeconds)
        smokeHeld = HeldCondition(seconds: rules.holdSeconds)
    }

    mutating func process(_ frame: Frame, lifecycles: inout EventLifecycles, into events: inout [Event]) {
        guard rules.smoke || rules.fire, let chroma = frame.chroma else { return }
        let now = frame.captureTimeMs
        guard interval.isDue(at: now),
              let counts = scanner.scan(luma: frame.luma, cb: chroma.cb, cr: chroma.cr) else { return }
        let sampled = Double(counts.samples)
        let flameShare = Double(counts.flame) / sampled
        let flickerShare = counts.flame > 0 ? Double(counts.flicker) / Double(counts.flame) : 0
        // Either alarm opens on its candidate condition and closes when the area falls below half
        // the minimum share (hysteresis); both changes must hold `hold_s`.
        if rules.fire {
            let checksPerSecond = 1000 / Double(interval.intervalMs)
            lifecycles.observe(
                LifecycleKey(kind: .fire), raise: flameShare >= rules.minShare && flickerShare >= 0.15,
                clear: flameShare < rules.minShare / 2, held: &fireHeld,
                draft: EventDraft(kind: .fire, confidence: min(0.85, 0.4 + flickerShare), attributes: [
                    "area_ratio": .double((flameShare * 1000).rounded() / 1000),
                    "flicker_hz": .double((flickerShare * checksPerSecond * 10).rounded() / 10),
                ]), timeMs: now, into: &events)
        }
        if rules.smoke {
            let share = Double(counts.smoke) / sampled
            smokeHistory.append((now, share))
            smokeHistory.removeAll { now - $0.timeMs > Int64(rules.holdSeconds * 1000) + 1000 }
            let growing = (smokeHistory.first?.share ?? 0) < share
            lifecycles.observe(
                LifecycleKey(kind: .smoke), raise: share >= rules.minShare && growing, clear: share < rules.minShare / 2,
                held: &smokeHeld,
                draft: EventDraft(kind: .smoke, confidence: 0.6, attributes: ["area_ratio": .double((share * 1000).rounded() / 1000)]),
                timeMs: now, into: &events)
        }
    }
}
