import Shared

/// config `motion`.
struct MotionSettings: Decodable, Sendable {
    var configuration = MotionDetector.Configuration()
    var blobs = BlobExtractor.Configuration()

    enum CodingKeys: String, CodingKey {
        case threshold, grid, contrast, lightningShare = "lightning_share", masks, minCells = "min_cells"
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        configuration.threshold = try c.decode(.threshold, default: 25)
        configuration.cellSize = try c.decode(.grid, default: 4)
        configuration.contrastStretch = try c.decode(.contrast, default: true)
        configuration.lightningShare = try c.decode(.lightningShare, default: 0.5)
        configuration.masks = try c.decode(.masks, default: [PolygonSetting]()).map(\.polygon)
        blobs.minCells = try c.decode(.minCells, default: 6)
        guard (1...10_000).contains(blobs.minCells) else { throw ConfigValueError("min_cells must be 1...10000", at: "min_cells") }
        guard (5...200).contains(configuration.threshold) else { throw ConfigValueError("threshold must be 5...200", at: "threshold") }
        guard [1, 2, 4, 8].contains(configuration.cellSize) else { throw ConfigValueError("grid must be 1, 2, 4 or 8", at: "grid") }
        guard configuration.lightningShare > 0, configuration.lightningShare <= 1 else {
            throw ConfigValueError("lightning_share must be in (0, 1]", at: "lightning_share")
        }
    }
}

/// config `tracker`.
struct TrackerSettings: Decodable, Sendable {
    var configuration = Tracker.Configuration()

    enum CodingKeys: String, CodingKey { case minHits = "min_hits", maxAge = "max_age", minIoU = "min_iou" }

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        configuration.minHits = try c.decode(.minHits, default: 3)
        configuration.maxAge = try c.decode(.maxAge, default: 12)
        configuration.minIoU = try c.decode(.minIoU, default: 0.1)
        guard (1...30).contains(configuration.minHits) else { throw ConfigValueError("min_hits must be 1...30", at: "min_hits") }
        guard (0...300).contains(configuration.maxAge) else { throw ConfigValueError("max_age must be 0...300 frames", at: "max_age") }
    }
}

/// config `objects`.
struct ObjectSettings: Decodable, Sendable {
    var configuration = HeuristicObjectDetector.Configuration()
    /// config `objects.detector`: `heuristic` (size and shape, the default) or `neural` (people
    /// confirmed by the pretrained person detector; agent config `detector`).
    var neural = false

    enum CodingKeys: String, CodingKey { case personHeight = "person_height", vehicleMinArea = "vehicle_min_area", objectMaxArea = "object_max_area", detector }

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let range = try c.decodeIfPresent([Double].self, forKey: .personHeight) {
            guard range.count == 2, range[0] > 0, range[0] < range[1], range[1] <= 1 else {
                throw ConfigValueError("person_height must be [min, max] with 0 < min < max <= 1", at: "person_height")
            }
            configuration.personHeight = range[0]...range[1]
        }
        configuration.vehicleMinArea = try c.decode(.vehicleMinArea, default: 0.008)
        configuration.objectMaxArea = try c.decode(.objectMaxArea, default: 0.012)
        switch try c.decode(.detector, default: "heuristic") {
        case "heuristic": neural = false
        case "neural": neural = true
        case let other: throw ConfigValueError("detector must be heuristic or neural, not '\(other)'", at: "detector")
        }
    }
}

/// config `events`.
struct EventSettings: Decodable, Sendable {
    var heartbeatSeconds = 30.0
    enum CodingKeys: String, CodingKey { case heartbeatSeconds = "heartbeat_s" }
    init() {}
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        heartbeatSeconds = try c.decode(.heartbeatSeconds, default: 30.0)
        guard (1...86_400).contains(heartbeatSeconds) else { throw ConfigValueError("heartbeat_s must be 1...86400", at: "heartbeat_s") }
    }
}

/// config `tamper`.
struct TamperSettings: Decodable, Sendable {
    var rules = TamperRules()
    enum CodingKeys: String, CodingKey { case covered, defocus, moved, holdSeconds = "hold_s" }
    init() {}
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        rules.covered = try c.decode(.covered, default: true)
        rules.defocus = try c.decode(.defocus, default: true)
        rules.moved = try c.decode(.moved, default: true)
        rules.holdSeconds = try c.decode(.holdSeconds, default: 2.0)
        guard (0.1...3600).contains(rules.holdSeconds) else { throw ConfigValueError("hold_s must be 0.1...3600", at: "hold_s") }
    }
}
