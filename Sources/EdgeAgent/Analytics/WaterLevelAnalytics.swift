import Shared

/// Reads the waterline on a staff gauge and reports levels above a threshold or rising fast.
///
/// Inside the gauge region each row's mean grey level is taken; the gauge board above the water is
/// brighter than the water below it, so the waterline is the row where the mean drops most
/// (compared over a few rows above and below, which ignores the gauge's own tick marks). The row
/// becomes centimetres through the two-point calibration; a median of recent readings smooths
/// ripples; the rise rate is a least-squares slope over the last five minutes.
struct WaterLevelAnalytics {
    let gauges: [WaterGaugeRule]
    private var readings: [[(timeMs: Int64, cm: Double)]]
    private var recent: [[Double]]
    private var lastReported: [Double?]
    private var rowMeans: [Double] = []
    /// Read twice a second: water moves slowly.
    private var interval = CheckInterval(ms: 500)

    init(gauges: [WaterGaugeRule]) {
        self.gauges = gauges
        readings = Array(repeating: [], count: gauges.count)
        recent = Array(repeating: [], count: gauges.count)
        lastReported = Array(repeating: nil, count: gauges.count)
    }

    /// The waterline as a normalised y inside `region`, or nil when the region shows no edge.
    static func waterline(in frame: Frame, region: Rect, rowMeans: inout [Double]) -> Double? {
        let x0 = max(0, Int(region.x * Double(frame.width))), x1 = min(frame.width, Int(region.maxX * Double(frame.width)))
        let y0 = max(0, Int(region.y * Double(frame.height))), y1 = min(frame.height, Int(region.maxY * Double(frame.height)))
        guard x1 > x0, y1 - y0 >= 8 else { return nil }
        rowMeans.removeAll(keepingCapacity: true)
        frame.luma.withUnsafeBufferPointer { y in
            for row in y0..<y1 {
                var sum = 0
                for x in x0..<x1 { sum += Int(y[row * frame.width + x]) }
                rowMeans.append(Double(sum) / Double(x1 - x0))
            }
        }
        let window = max(2, (y1 - y0) / 20)
        var best = 0.0, bestRow = -1
        for r in window..<(rowMeans.count - window) {
            var above = 0.0, below = 0.0
            for k in 1...window {
                above += rowMeans[r - k]
                below += rowMeans[r + k - 1]
            }
            let drop = (above - below) / Double(window)
            if drop > best {
                best = drop
                bestRow = r
            }
        }
        guard bestRow >= 0, best >= 20 else { return nil }
        return (Double(y0 + bestRow)) / Double(frame.height)
    }

    mutating func process(_ frame: Frame, lifecycles: inout EventLifecycles, into events: inout [Event]) {
        guard !gauges.isEmpty else { return }
        let now = frame.captureTimeMs
        guard interval.isDue(at: now) else { return }
        for (g, gauge) in gauges.enumerated() {
            guard let line = Self.waterline(in: frame, region: gauge.region, rowMeans: &rowMeans) else { continue }
            recent[g].append(gauge.centimetres(atY: line))
            if recent[g].count > 7 { recent[g].removeFirst() }
            let level = recent[g].sorted()[recent[g].count / 2]
            readings[g].append((now, level))
            readings[g].removeAll { now - $0.timeMs > 300_000 }
            let rate = slopePerMinute(readings[g])
            let key = LifecycleKey(kind: .waterLevel, zone: gauge.name)
            let open = lifecycles.isOpen(key)
            let high = open ? level >= gauge.thresholdCm - gauge.hysteresisCm : level >= gauge.thresholdCm
            let rising = gauge.riseRateCmPerMin > 0 && readings[g].count >= 10
                && rate >= (open ? gauge.riseRateCmPerMin * 0.5 : gauge.riseRateCmPerMin)
            let significant = lastReported[g].map { abs($0 - level) >= 2 } ?? true
            let before = events.count
            lifecycles.observe(
                key, active: high || rising,
                draft: EventDraft(kind: .waterLevel, zone: gauge.name, confidence: 0.8, attributes: [
                    "water_level_cm": .double((level * 10).rounded() / 10),
                    "rise_rate_cm_per_min": .double((rate * 10).rounded() / 10),
                    "threshold_cm": .double(gauge.thresholdCm),
                ]),
                significant: significant, timeMs: now, into: &events)
            if events.count > before { lastReported[g] = level }
        }
    }

    private func slopePerMinute(_ points: [(timeMs: Int64, cm: Double)]) -> Double {
        guard points.count >= 3, let first = points.first else { return 0 }
        var sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0
        for p in points {
            let x = Double(p.timeMs - first.timeMs) / 60_000
            sx += x
            sy += p.cm
            sxx += x * x
            sxy += x * p.cm
        }
        let n = Double(points.count)
        let denominator = n * sxx - sx * sx
        return denominator > 1e-9 ? (n * sxy - sx * sy) / denominator : 0
    }
}
