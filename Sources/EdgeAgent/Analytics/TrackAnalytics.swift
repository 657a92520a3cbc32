import Foundation
import Shared

/// Zone and line analytics over confirmed tracks: intrusion, loitering, stopped vehicle, wrong
/// way, fast motion, abandoned/removed objects, crowd, line crossings.
///
/// Movement alarms need a track that has travelled (`CameraRules.minTravel`): things that sway in
/// place (foliage, flags, reflections) make tracks too, but they go nowhere.
struct TrackAnalytics {
    private struct Membership: Hashable {
        let trackID: UInt64
        let zone: Int
    }

    let rules: CameraRules
    private var enteredMs: [Membership: Int64] = [:]
    private var sustained: [LifecycleKey: Int] = [:]
    private var crowdFrames: [Int: Int] = [:]
    private var crowdReported: [Int: Int] = [:]
    /// Per-zone counts of the current frame (storage reused across frames).
    private var crowdScratch: [Int] = []
    private var lineCounts: [String: (into: Int, out: Int)] = [:]
    private var frameIntervalS = 0.2
    private var lastTimeMs: Int64?

    init(rules: CameraRules) { self.rules = rules }

    /// `staticEvidence(rect)` says whether a static region holds something new (> 0) or lacks
    /// something the background remembers (< 0).
    mutating func process(
        tracks: [Track], removed: [Track], timeMs: Int64, staticEvidence: (Rect) -> Double,
        lifecycles: inout EventLifecycles, into events: inout [Event]
    ) {
        if let last = lastTimeMs, timeMs > last {
            frameIntervalS += 0.2 * (Double(timeMs - last) / 1000 - frameIntervalS)
        }
        lastTimeMs = timeMs
        for track in removed {
            lifecycles.endAll(where: { $0.trackID == track.id }, timeMs: timeMs, into: &events)
            for z in rules.zones.indices { enteredMs[Membership(trackID: track.id, zone: z)] = nil }
            sustained = sustained.filter { $0.key.trackID != track.id }
        }
        var crowdCounts: [Int] = []
        swap(&crowdCounts, &crowdScratch)  // take the storage without a copy-on-write
        crowdCounts.removeAll(keepingCapacity: true)
        crowdCounts.append(contentsOf: repeatElement(0, count: rules.zones.count))
        defer { crowdScratch = crowdCounts }
        for track in tracks where track.confirmed {
            crossLines(track, timeMs: timeMs, lifecycles: &lifecycles, into: &events)
            for (z, zone) in rules.zones.enumerated() {
                evaluate(track, zone: zone, index: z, timeMs: timeMs, staticEvidence: staticEvidence,
                         crowdCounts: &crowdCounts, lifecycles: &lifecycles, into: &events)
            }
        }
        for (z, zone) in rules.zones.enumerated() {
            guard let crowd = zone.crowd else { continue }
            evaluateCrowd(crowd, zone: zone, index: z, count: crowdCounts[z], timeMs: timeMs, lifecycles: &lifecycles, into: &events)
        }
    }

    private func draft(_ kind: EventKind, _ track: Track, zone: String?, _ attributes: Attributes = [:]) -> EventDraft {
        var attributes = attributes
        attributes["object_class"] = .string(track.objectClass.name)
        return EventDraft(kind: kind, trackID: track.id, rect: track.lastRect, zone: zone, confidence: track.confidence, attributes: attributes)
    }

    /// Counts consecutive frames a keyed condition holds; returns the count (0 when it does not hold).
    private mutating func hold(_ key: LifecycleKey, _ condition: Bool) -> Int {
        if condition {
            let n = (sustained[key] ?? 0) + 1
            sustained[key] = n
            return n
        }
        sustained[key] = nil
        return 0
    }

    private mutating func evaluate(
        _ track: Track, zone: ZoneRules, index: Int, timeMs: Int64, staticEvidence: (Rect) -> Double,
        crowdCounts: inout [Int], lifecycles: inout EventLifecycles, into events: inout [Event]
    ) {
        let member = Membership(trackID: track.id, zone: index)
        // A coasting track keeps its last membership; a seen one is tested at its feet.
        let inside: Bool
        if track.misses == 0 {
            inside = zone.polygon.contains(track.bottom) || zone.polygon.contains(track.lastRect.center)
            if inside, enteredMs[member] == nil { enteredMs[member] = timeMs }
            if !inside { enteredMs[member] = nil }
        } else {
            inside = enteredMs[member] != nil
        }
        let travelled = track.maxDisplacement >= rules.minTravel
        let objectClass = track.objectClass
        let dwell = enteredMs[member].map { Double(timeMs - $0) / 1000 } ?? 0
        let stationary = track.stationarySeconds(at: timeMs)
        let speed = hypot(track.velocity.x, track.velocity.y) / max(frameIntervalS, 1e-3)

        if inside, travelled, zone.crowd?.classes.allows(objectClass) == true { crowdCounts[index] += 1 }

        if let rule = zone.intrusion {
            let key = LifecycleKey(kind: .intrusion, trackID: track.id, zone: zone.name)
            let active = inside && travelled && rule.allows(objectClass)
            lifecycles.observe(key, active: active, draft: draft(.intrusion, track, zone: zone.name, ["dwell_s": .double(rounded(dwell))]),
                               timeMs: timeMs, into: &events)
        }
        if let rule = zone.loitering {
            let key = LifecycleKey(kind: .loitering, trackID: track.id, zone: zone.name)
            let active = inside && rule.classes.allows(objectClass) && dwell >= rule.seconds
            lifecycles.observe(key, active: active, draft: draft(.loitering, track, zone: zone.name, ["dwell_s": .double(rounded(dwell))]),
                               timeMs: timeMs, into: &events)
        }
        if let rule = zone.stoppedVehicle {
            let key = LifecycleKey(kind: .stoppedVehicle, trackID: track.id, zone: zone.name)
            let active = inside && travelled && objectClass == .vehicle && stationary >= rule.seconds
            lifecycles.observe(key, active: active, draft: draft(.stoppedVehicle, track, zone: zone.name, ["stopped_s": .double(rounded(stationary))]),
                               timeMs: timeMs, into: &events)
        }
        if let rule = zone.wrongWay {
            // Direction from the track's net travel, not its instantaneous velocity: blobs that
            // grow or shrink at the frame edge jitter the velocity, a vehicle's journey does not.
            let key = LifecycleKey(kind: .wrongWay, trackID: track.id, zone: zone.name)
            let c = track.lastRect.center
            let dx = c.x - track.firstCenter.x, dy = c.y - track.firstCenter.y
            let travel = hypot(dx, dy), norm = hypot(rule.dx, rule.dy)
            let cosine = travel > 0 && norm > 0 ? (dx * rule.dx + dy * rule.dy) / (travel * norm) : 1
            let against = travel >= 2 * rules.minTravel && cosine < -cos(rule.toleranceDegrees * .pi / 180)
            let frames = hold(key, inside && rule.classes.allows(objectClass) && speed >= rule.minSpeed && against)
            let active = frames >= 3 || (lifecycles.isOpen(key) && inside && against)
            let angle = acos(max(-1, min(1, cosine))) * 180 / .pi
            lifecycles.observe(key, active: active, draft: draft(.wrongWay, track, zone: zone.name,
                               ["speed": .double(rounded(speed)), "angle_deg": .double(rounded(angle))]), timeMs: timeMs, into: &events)
        }
        if let rule = zone.fastMotion {
            let key = LifecycleKey(kind: .fastMotion, trackID: track.id, zone: zone.name)
            let frames = hold(key, inside && travelled && rule.classes.allows(objectClass) && speed >= rule.minSpeed)
            let active = frames >= 2 || (lifecycles.isOpen(key) && inside && speed >= rule.minSpeed * 0.7)
            lifecycles.observe(key, active: active, draft: draft(.fastMotion, track, zone: zone.name, ["speed": .double(rounded(speed))]),
                               timeMs: timeMs, into: &events)
        }
        if zone.abandonedObject != nil || zone.objectRemoved != nil {
            let evidence = inside && !travelled && objectClass == .object && track.hitRatio >= 0.8 ? staticEvidence(track.lastRect) : 0
            if let rule = zone.abandonedObject {
                let key = LifecycleKey(kind: .abandonedObject, trackID: track.id, zone: zone.name)
                let active = evidence > 0 && stationary >= rule.seconds
                lifecycles.observe(key, active: active || (lifecycles.isOpen(key) && inside),
                                   draft: draft(.abandonedObject, track, zone: zone.name, ["static_s": .double(rounded(stationary))]),
                                   timeMs: timeMs, into: &events)
            }
            if let rule = zone.objectRemoved {
                let key = LifecycleKey(kind: .objectRemoved, trackID: track.id, zone: zone.name)
                let active = evidence < 0 && stationary >= rule.seconds
                lifecycles.observe(key, active: active || (lifecycles.isOpen(key) && inside),
                                   draft: draft(.objectRemoved, track, zone: zone.name, ["missing_s": .double(rounded(stationary))]),
                                   timeMs: timeMs, into: &events)
            }
        }
    }

    private mutating func evaluateCrowd(
        _ rule: CrowdRule, zone: ZoneRules, index: Int, count: Int, timeMs: Int64,
        lifecycles: inout EventLifecycles, into events: inout [Event]
    ) {
        let key = LifecycleKey(kind: .crowd, zone: zone.name)
        let open = lifecycles.isOpen(key)
        // Start after 3 frames at or above the threshold; end after 5 frames clearly below it.
        let above = open ? count >= rule.minCount - max(1, rule.minCount / 5) : count >= rule.minCount
        let frames = above ? (crowdFrames[index] ?? 0) + 1 : 0
        crowdFrames[index] = above == open ? 0 : frames
        let flip = above != open && frames >= (open ? 5 : 3)
        let active = flip ? above : open
        let area = zone.polygon.area
        // An update is significant when the count moved by 2 or by a fifth since the last report.
        let reported = crowdReported[index] ?? 0
        let significant = abs(count - reported) >= max(2, reported / 5)
        let before = events.count
        defer { if events.count > before { crowdReported[index] = count } }
        lifecycles.observe(
            key, active: active,
            draft: EventDraft(kind: .crowd, zone: zone.name, confidence: 0.7,
                              attributes: ["count": .int(Int64(count)), "density": .double(rounded(Double(count) / max(area, 1e-3)))]),
            significant: significant, timeMs: timeMs, into: &events)
    }

    private mutating func crossLines(_ track: Track, timeMs: Int64, lifecycles: inout EventLifecycles, into events: inout [Event]) {
        guard track.misses == 0, track.previousBottom != track.bottom else { return }
        let path = Segment(track.previousBottom, track.bottom)
        for line in rules.lines where line.classes.allows(track.objectClass) && line.segment.isCrossed(by: path) {
            let inward = line.segment.side(of: track.previousBottom) < 0
            var counts = lineCounts[line.name] ?? (0, 0)
            if inward { counts.into += 1 } else { counts.out += 1 }
            lineCounts[line.name] = counts
            lifecycles.momentary(
                draft(.lineCrossing, track, zone: line.name, [
                    "direction": .string(inward ? "in" : "out"), "count_in": .int(Int64(counts.into)),
                    "count_out": .int(Int64(counts.out)),
                ]), timeMs: timeMs, into: &events)
        }
    }

    private func rounded(_ v: Double) -> Double { (v * 10).rounded() / 10 }
}

