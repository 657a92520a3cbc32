/// Seeded, realistic event streams for benchmarks, demos and dictionary training.
///
/// The mix follows what a street deployment reports: mostly tracked events (intrusion, line
/// crossings, loitering, stopped vehicles) in start/update/end lifecycles with boxes that drift
/// between updates, some condition events (water level, tamper, crowd) with their attributes, a
/// few cameras per agent and a few zones per camera, events spaced by tens to hundreds of
/// milliseconds.
public struct SyntheticEventGenerator: Sendable {
    public struct Configuration: Sendable {
        public var agentID: String = "agent-river-north"
        public var cameras: Int = 8
        public var startTimeMs: Int64 = 1_790_000_000_000
        public var seed: UInt64 = 42
        public init() {}
    }

    private struct OpenLifecycle {
        let id: UInt64
        let camera: Int
        let kind: EventKind
        let trackID: UInt64
        var box: (x: Double, y: Double, w: Double, h: Double)?
        let zone: String?
        var updates: Int
    }

    private static let trackedKinds: [(EventKind, Int)] = [
        (.intrusion, 20), (.lineCrossing, 30), (.loitering, 10), (.stoppedVehicle, 12), (.abandonedObject, 3),
        (.fastMotion, 4), (.wrongWay, 3),
    ]
    private static let conditionKinds: [(EventKind, Int)] = [
        (.waterLevel, 8), (.crowd, 5), (.motion, 5), (.tamperDefocus, 1), (.tamperCovered, 1), (.videoLoss, 1),
        (.smoke, 1),
    ]
    private static let zones = ["gate", "footpath", "quay", "parking", "bridge-east", "no-stopping", "plaza"]
    private static let classes = ["person", "person", "person", "vehicle", "vehicle", "bicycle"]

    public let configuration: Configuration
    private var random: SplitMix64
    private var nextID: UInt64 = 1
    private var nextTrack: UInt64 = 1
    private var timeMs: Int64
    private var open: [OpenLifecycle] = []
    private var waterLevel: [Double]
    private let cameraIDs: [String]

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        random = SplitMix64(seed: configuration.seed)
        timeMs = configuration.startTimeMs
        let district = configuration.agentID.split(separator: "-").dropFirst().joined(separator: "-")
        cameraIDs = (0..<max(configuration.cameras, 1)).map { "cam-\(district)-\(twoDigits($0 + 1))" }
        waterLevel = Array(repeating: 120.0, count: cameraIDs.count)
    }

    public mutating func next(count: Int) -> [Event] {
        var events: [Event] = []
        events.reserveCapacity(count)
        for _ in 0..<count { events.append(next()) }
        return events
    }

    public mutating func next() -> Event {
        timeMs += Int64.random(in: 5...250, using: &random)
        let roll = Int.random(in: 0..<100, using: &random)
        if !open.isEmpty, roll < 55 {
            let index = Int.random(in: 0..<open.count, using: &random)
            return continueLifecycle(at: index)
        }
        return roll < 85 || open.count > 40 ? startTracked() : condition()
    }

    private mutating func pick(_ weighted: [(EventKind, Int)]) -> EventKind {
        var r = Int.random(in: 0..<weighted.reduce(0) { $0 + $1.1 }, using: &random)
        for (kind, weight) in weighted {
            if r < weight { return kind }
            r -= weight
        }
        return weighted[0].0
    }

    private mutating func id() -> UInt64 {
        defer { nextID += 1 }
        return nextID
    }

    private mutating func startTracked() -> Event {
        let kind = pick(Self.trackedKinds)
        let camera = Int.random(in: 0..<cameraIDs.count, using: &random)
        let w = Double.random(in: 0.02...0.15, using: &random)
        let h = w * Double.random(in: 1.2...2.8, using: &random)
        let box = (x: Double.random(in: 0...(1 - w), using: &random), y: Double.random(in: 0...(1 - min(h, 0.9)), using: &random), w: w, h: min(h, 0.9))
        let zone = Self.zones[(camera + Int.random(in: 0..<2, using: &random)) % Self.zones.count]
        let lifecycle = OpenLifecycle(
            id: id(), camera: camera, kind: kind, trackID: nextTrack, box: box, zone: zone, updates: 0)
        nextTrack += 1
        open.append(lifecycle)
        return event(lifecycle, phase: .start)
    }

    private mutating func condition() -> Event {
        let kind = pick(Self.conditionKinds)
        let camera = Int.random(in: 0..<cameraIDs.count, using: &random)
        let lifecycle = OpenLifecycle(
            id: id(), camera: camera, kind: kind, trackID: 0, box: nil,
            zone: kind == .waterLevel ? "gauge" : kind == .crowd ? "plaza" : nil, updates: 0)
        open.append(lifecycle)
        return event(lifecycle, phase: .start)
    }

    private mutating func continueLifecycle(at index: Int) -> Event {
        var lifecycle = open[index]
        if let box = lifecycle.box {
            let dx = Double.random(in: -0.01...0.01, using: &random)
            let dy = Double.random(in: -0.005...0.005, using: &random)
            lifecycle.box = (min(max(box.x + dx, 0), 1 - box.w), min(max(box.y + dy, 0), 1 - box.h), box.w, box.h)
        }
        lifecycle.updates += 1
        let ends = lifecycle.updates >= 3 || Int.random(in: 0..<3, using: &random) == 0
        if ends { open.remove(at: index) } else { open[index] = lifecycle }
        var e = event(lifecycle, phase: ends ? .end : .update)
        e.id = id()
        return e
    }

    private mutating func event(_ l: OpenLifecycle, phase: EventPhase) -> Event {
        var attributes = Attributes()
        switch l.kind {
        case .lineCrossing:
            attributes["object_class"] = .string(Self.classes[Int(l.trackID % UInt64(Self.classes.count))])
            attributes["direction"] = .string(l.trackID % 3 == 0 ? "out" : "in")
            attributes["count_in"] = .int(Int64(l.trackID / 2))
        case .intrusion, .loitering:
            attributes["object_class"] = "person"
            attributes["dwell_s"] = .double(Double(l.updates * 15 + Int.random(in: 0...9, using: &random)) / 2)
        case .stoppedVehicle:
            attributes["object_class"] = "vehicle"
            attributes["stopped_s"] = .double(Double(60 + l.updates * 30))
        case .fastMotion, .wrongWay:
            attributes["object_class"] = .string(Self.classes[Int(l.trackID % UInt64(Self.classes.count))])
            attributes["speed"] = .double(Double(Int.random(in: 20...90, using: &random)) / 100)
        case .waterLevel:
            waterLevel[l.camera] += Double(Int.random(in: -2...6, using: &random)) / 10
            attributes["water_level_cm"] = .double((waterLevel[l.camera] * 10).rounded() / 10)
            attributes["rise_rate_cm_per_min"] = .double(Double(Int.random(in: 0...40, using: &random)) / 10)
            attributes["threshold_cm"] = 150.0
        case .crowd:
            attributes["count"] = .int(Int64.random(in: 12...40, using: &random))
        case .motion, .smoke:
            attributes["area_ratio"] = .double(Double(Int.random(in: 1...300, using: &random)) / 1000)
        case .tamperDefocus:
            attributes["sharpness_ratio"] = .double(Double(Int.random(in: 100...400, using: &random)) / 1000)
        case .videoLoss:
            attributes["reason"] = "stall"
            attributes["restarts"] = .int(Int64(l.updates))
        default:
            break
        }
        let confidence = Confidence(Double.random(in: 0.55...0.99, using: &random))
        return Event(
            id: l.id, lifecycleID: l.id, cameraID: cameraIDs[l.camera], kind: l.kind, phase: phase,
            captureTimeMs: timeMs, agentTimeMs: timeMs + Int64.random(in: 30...120, using: &random),
            trackID: l.trackID,
            box: l.box.map { BoundingBox(x: $0.x, y: $0.y, width: $0.w, height: $0.h) },
            zone: l.zone, confidence: confidence, attributes: attributes,
            snapshot: phase == .start && l.trackID % 10 == 1 ? "snap/\(cameraIDs[l.camera])/\(l.id).jpg" : nil)
    }
}

/// `7` → `"07"`.
private func twoDigits(_ n: Int) -> String {
    n < 10 ? "0\(n)" : "\(n)"
}
