import Shared

/// Lens covered, defocus and camera moved, each against the camera's own reference:
/// - covered: the image is nearly uniform (low grey-level spread);
/// - defocus: sharpness falls well below the reference sharpness;
/// - moved: the view no longer correlates with the reference view (brightness-blind, so a light
///   switch does not count).
/// A condition must hold `holdSeconds` to start and be clearly gone as long to end. References
/// learn slowly while the camera is healthy, so gradual changes (dusk, seasons) are followed.
struct TamperAnalytics {
    let rules: TamperRules
    private var referenceSharpness: Double?
    private var referenceView: ViewSignature?
    private var warmup = 0
    private var held: [EventKind: HeldCondition] = [:]
    /// Check twice a second: tamper conditions must hold for seconds before they count anyway.
    private var interval = CheckInterval(ms: 500)

    init(rules: TamperRules) { self.rules = rules }

    mutating func process(_ frame: Frame, lifecycles: inout EventLifecycles, into events: inout [Event]) {
        guard rules.covered || rules.defocus || rules.moved else { return }
        let now = frame.captureTimeMs
        guard interval.isDue(at: now) else { return }
        let stats = FrameStatistics.measure(frame)
        let view = ViewSignature(frame)
        guard let refSharpness = referenceSharpness, let refView = referenceView, warmup >= 5 else {
            // Learn references from the first healthy second of video.
            if stats.standardDeviation > rules.coveredMaxStdDev * 2 {
                referenceSharpness = referenceSharpness.map { $0 + 0.3 * (stats.sharpness - $0) } ?? stats.sharpness
                if referenceView == nil { referenceView = view } else { referenceView?.blend(view, weight: 0.3) }
                warmup += 1
            }
            return
        }
        let covered = stats.standardDeviation < rules.coveredMaxStdDev
        let coveredClear = stats.standardDeviation > rules.coveredMaxStdDev * 1.5
        let ratio = stats.sharpness / max(refSharpness, 1e-6)
        let correlation = view.correlation(refView)
        let defocused = !covered && ratio < rules.defocusRatio
        let defocusClear = ratio > rules.defocusRatio * 1.4
        let moved = !covered && correlation < rules.movedCorrelation && !defocused
        let movedClear = correlation > rules.movedCorrelation + 0.2

        if rules.covered {
            decide(.tamperCovered, raise: covered, clear: coveredClear, now: now,
                   attributes: ["uniformity": .double(round3(1 - min(1, stats.standardDeviation / 64)))],
                   lifecycles: &lifecycles, into: &events)
        }
        if rules.defocus {
            decide(.tamperDefocus, raise: defocused, clear: defocusClear || covered, now: now,
                   attributes: ["sharpness_ratio": .double(round3(ratio))], lifecycles: &lifecycles, into: &events)
        }
        if rules.moved {
            decide(.tamperMoved, raise: moved, clear: movedClear || covered, now: now,
                   attributes: ["shift_ratio": .double(round3(max(0, 1 - correlation)))], lifecycles: &lifecycles, into: &events)
        }
        // Learn slowly while nothing is wrong.
        let healthy = !covered && !defocused && !moved && !lifecycles.isOpen(LifecycleKey(kind: .tamperMoved))
            && !lifecycles.isOpen(LifecycleKey(kind: .tamperDefocus)) && !lifecycles.isOpen(LifecycleKey(kind: .tamperCovered))
        if healthy {
            referenceSharpness = refSharpness + 0.01 * (stats.sharpness - refSharpness)
            referenceView?.blend(view, weight: 0.01)
        }
    }

    private mutating func decide(
        _ kind: EventKind, raise: Bool, clear: Bool, now: Int64, attributes: Attributes,
        lifecycles: inout EventLifecycles, into events: inout [Event]
    ) {
        lifecycles.observe(
            LifecycleKey(kind: kind), raise: raise, clear: clear, held: &held[kind, default: HeldCondition(seconds: rules.holdSeconds)],
            draft: EventDraft(kind: kind, confidence: 0.8, attributes: attributes), timeMs: now, into: &events)
    }

    private func round3(_ v: Double) -> Double { (v * 1000).rounded() / 1000 }
}
