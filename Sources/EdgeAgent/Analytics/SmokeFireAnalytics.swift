import Shared

/// Documented heuristics for smoke and flame on the chroma planes. They are cheap screening
/// signals, not certified fire detection: confidences stay below 0.9 and the docs say so.
///
/// - Flame: bright pixels that are red-yellow (Cr high, Cb low, Cr − Cb large) and flicker (a good
///   share of them change state between checks, unlike a red car or a sunset).
/// - Smoke: grey (low chroma) pixels that differ moderately from a slow background and are less
///   textured than it (smoke veils the scene), covering a growing area.
struct SmokeFireAnalytics {
    let rules: SmokeFireRules
    private var background: [UInt8] = []
    private var previousFlame: [Bool] = []
    private var flame: [Bool] = []
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
        let cw = frame.width / 2, ch = frame.height / 2
        let n = cw * ch
        guard cw >= 4, ch >= 2, chroma.cb.count >= n, chroma.cr.count >= n else { return }
        if background.count != n {
            background = [UInt8](repeating: 0, count: n)
            previousFlame = [Bool](repeating: false, count: n)
            flame = [Bool](repeating: false, count: n)
            for i in 0..<n { background[i] = frame.luma[(i / cw) * 2 * frame.width + (i % cw) * 2] }
            return
        }
        var flameCount = 0, flicker = 0, smokeCount = 0
        frame.luma.withUnsafeBufferPointer { y in
            chroma.cb.withUnsafeBufferPointer { cb in
                chroma.cr.withUnsafeBufferPointer { cr in
                    // Every other chroma sample in each direction: shares and flicker are ratios,
                    // and a quarter of the samples measures them as well at a quarter of the cost.
                    for cy in stride(from: 0, to: ch - 1, by: 2) {
                        for cx in stride(from: 0, to: cw - 2, by: 2) {
                            let i = cy * cw + cx
                            let luma = Int(y[cy * 2 * frame.width + cx * 2])
                            let u = Int(cb[i]), v = Int(cr[i])
                            let isFlame = luma > 150 && v > 150 && u < 115 && v - u > 45
                            flame[i] = isFlame
                            if isFlame { flameCount += 1 }
                            if isFlame != previousFlame[i] { flicker += 1 }
                            let bg = Int(background[i])
                            let grey = abs(u - 128) + abs(v - 128) < 18
                            let veiled = luma - bg >= 10 && luma - bg <= 90
                            // Texture against the next sampled pixel, in the frame and in the background.
                            let texture = abs(luma - Int(y[cy * 2 * frame.width + cx * 2 + 4]))
                            let bgTexture = abs(bg - Int(background[i + 2]))
                            if grey && veiled && texture <= bgTexture { smokeCount += 1 }
                            // Slow background (1/64 per check) so a plume is not absorbed in seconds.
                            background[i] = UInt8(bg + (luma - bg) / 64)
                        }
                    }
                }
            }
        }
        swap(&flame, &previousFlame)
        let sampled = Double(((ch - 1 + 1) / 2) * ((cw - 2 + 1) / 2))
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
