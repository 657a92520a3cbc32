/// One tracked object: a Kalman-filtered box with an id that stays stable through short
/// occlusions and crossings.
struct Track: Sendable {
    let id: UInt64
    private(set) var kx: AxisKalman
    private(set) var ky: AxisKalman
    private(set) var width: Double
    private(set) var height: Double
    /// Frames with a matched detection.
    private(set) var hits = 1
    /// Consecutive frames without one (coasting on prediction).
    private(set) var misses = 0
    /// Frames since the track was born.
    private(set) var age = 1
    private(set) var confirmed = false
    /// Detections per class, indexed by `ObjectClass.rawValue` (four classes: a vector, not a
    /// heap array per new track).
    private var votes = SIMD4<Int32>()
    private(set) var confidence: Double
    let firstCenter: Point
    /// Largest distance of the centre from where the track was born: separates objects that go
    /// somewhere from things that sway in place (foliage, flags, water).
    private(set) var maxDisplacement = 0.0
    /// The measured box of the last matched detection.
    private(set) var lastRect: Rect
    /// Bottom-centre before and after the last update (line crossing).
    private(set) var previousBottom: Point
    private(set) var bottom: Point
    /// Since when the track has stayed (nearly) in place, ms; nil while it moves.
    private(set) var stationarySinceMs: Int64?
    private var anchor: Point

    init(id: UInt64, detection: Detection, timeMs: Int64) {
        self.id = id
        let c = detection.rect.center
        kx = AxisKalman(position: c.x)
        ky = AxisKalman(position: c.y)
        width = detection.rect.width
        height = detection.rect.height
        confidence = detection.confidence
        firstCenter = c
        lastRect = detection.rect
        bottom = detection.rect.bottomCenter
        previousBottom = bottom
        anchor = c
        stationarySinceMs = timeMs
        if detection.votes { votes[detection.objectClass.rawValue] &+= 1 }
    }

    var predictedRect: Rect {
        Rect(x: kx.position - width / 2, y: ky.position - height / 2, width: width, height: height)
    }

    var objectClass: ObjectClass {
        var best = ObjectClass.unknown, bestVotes = 0
        for c in ObjectClass.allCases where votes[c.rawValue] > bestVotes {
            best = c
            bestVotes = Int(votes[c.rawValue])
        }
        return best
    }

    /// Velocity in frame units per frame.
    var velocity: (x: Double, y: Double) { (kx.velocity, ky.velocity) }

    /// Share of its frames in which the track was matched.
    var hitRatio: Double { Double(hits) / Double(age) }

    mutating func predict() {
        kx.predict()
        ky.predict()
        misses += 1
        age += 1
    }

    /// Returns true when this update confirmed the track.
    @discardableResult
    mutating func update(_ detection: Detection, timeMs: Int64, minHits: Int, stationaryRadius: Double) -> Bool {
        let c = detection.rect.center
        kx.update(c.x)
        ky.update(c.y)
        // Size follows the measurement smoothly (blobs breathe from frame to frame).
        width += 0.5 * (detection.rect.width - width)
        height += 0.5 * (detection.rect.height - height)
        hits += 1
        misses = 0
        lastRect = detection.rect
        previousBottom = bottom
        bottom = detection.rect.bottomCenter
        if detection.votes {
            confidence += 0.3 * (detection.confidence - confidence)
            votes[detection.objectClass.rawValue] &+= 1
        }
        let confirming = !confirmed && hits >= minHits
        if confirming { confirmed = true }
        let dx = c.x - firstCenter.x, dy = c.y - firstCenter.y
        maxDisplacement = max(maxDisplacement, (dx * dx + dy * dy).squareRoot())
        let ax = c.x - anchor.x, ay = c.y - anchor.y
        if (ax * ax + ay * ay).squareRoot() > stationaryRadius {
            anchor = c
            stationarySinceMs = nil
        } else if stationarySinceMs == nil {
            stationarySinceMs = timeMs
        }
        return confirming
    }

    /// Time the track has been stationary at `nowMs`, seconds (0 when moving).
    func stationarySeconds(at nowMs: Int64) -> Double {
        stationarySinceMs.map { Double(nowMs - $0) / 1000 } ?? 0
    }
}
