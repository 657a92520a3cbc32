/// Multi-object tracker in the SORT family: constant-velocity Kalman prediction, greedy
/// association by IoU with a centre-distance fallback for small or fast objects, confirmation
/// after `minHits` matches, deletion after `maxAge` frames without one.
///
/// Coasting on the prediction for up to `maxAge` frames carries an id through short occlusions
/// and through crossings, where two blobs merge into one for a few frames.
struct Tracker {
    struct Configuration: Sendable, Hashable {
        /// Matches before a track is confirmed (config `tracker.min_hits`, default 3).
        var minHits = 3
        /// Frames a confirmed track may go unmatched (config `tracker.max_age`, default 12).
        var maxAge = 12
        /// Minimum IoU for an association (default 0.1).
        var minIoU = 0.1
        /// Centre-distance gate as a multiple of the track's larger side (default 1.5).
        var distanceGate = 1.5
        /// A track moving less than this (normalised) is stationary (default 0.02).
        var stationaryRadius = 0.02
    }

    let configuration: Configuration
    private(set) var tracks: [Track] = []
    /// Tracks confirmed so far (summaries).
    private(set) var confirmedCount = 0
    private var nextID: UInt64 = 1
    private var pairs: [(score: Double, track: Int, detection: Int)] = []
    private var trackMatched: [Bool] = []
    private var detectionMatched: [Bool] = []
    /// Tracks removed in the last `update` (their lifecycles end).
    private(set) var removed: [Track] = []

    init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        tracks.reserveCapacity(64)
        pairs.reserveCapacity(256)
        removed.reserveCapacity(16)
    }

    mutating func update(_ detections: [Detection], timeMs: Int64) {
        removed.removeAll(keepingCapacity: true)
        for i in tracks.indices { tracks[i].predict() }

        pairs.removeAll(keepingCapacity: true)
        for (t, track) in tracks.enumerated() {
            let predicted = track.predictedRect
            let gate = configuration.distanceGate * max(predicted.width, predicted.height)
            for (d, detection) in detections.enumerated() {
                let iou = predicted.intersectionOverUnion(detection.rect)
                if iou >= configuration.minIoU {
                    pairs.append((1 + iou, t, d))
                } else {
                    let pc = predicted.center, dc = detection.rect.center
                    let distance = ((pc.x - dc.x) * (pc.x - dc.x) + (pc.y - dc.y) * (pc.y - dc.y)).squareRoot()
                    if distance <= gate { pairs.append((1 - distance / max(gate, 1e-9), t, d)) }
                }
            }
        }
        pairs.sort { $0.score > $1.score }
        // Reuse the scratch arrays' storage: no allocation per frame.
        trackMatched.removeAll(keepingCapacity: true)
        trackMatched.append(contentsOf: repeatElement(false, count: tracks.count))
        detectionMatched.removeAll(keepingCapacity: true)
        detectionMatched.append(contentsOf: repeatElement(false, count: detections.count))
        for pair in pairs where !trackMatched[pair.track] && !detectionMatched[pair.detection] {
            trackMatched[pair.track] = true
            detectionMatched[pair.detection] = true
            if tracks[pair.track].update(
                detections[pair.detection], timeMs: timeMs, minHits: configuration.minHits,
                stationaryRadius: configuration.stationaryRadius) {
                confirmedCount += 1
            }
        }
        // Tentative tracks die at their first miss; confirmed ones after maxAge.
        var kept = 0
        for i in tracks.indices {
            let track = tracks[i]
            let dead = track.confirmed ? track.misses > configuration.maxAge : track.misses > 0
            if dead {
                if track.confirmed { removed.append(track) }
            } else {
                tracks[kept] = track
                kept += 1
            }
        }
        tracks.removeLast(tracks.count - kept)
        for (d, detection) in detections.enumerated() where !detectionMatched[d] {
            tracks.append(Track(id: nextID, detection: detection, timeMs: timeMs))
            nextID += 1
        }
    }
}
