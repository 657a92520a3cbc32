import Shared

/// A normalised point written `[x, y]`, both in 0...1.
struct PointSetting: Decodable, Sendable {
    var point: Point

    init(from decoder: any Decoder) throws {
        let values = try decoder.singleValueContainer().decode([Double].self)
        guard values.count == 2 else { throw ConfigValueError("a point is [x, y], got \(values.count) numbers") }
        guard values.allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
            throw ConfigValueError("coordinates are normalised to 0...1, got [\(values[0]), \(values[1])]")
        }
        point = Point(x: values[0], y: values[1])
    }
}

/// A polygon written as a list of `[x, y]` points: at least 3, in range, not self-intersecting.
struct PolygonSetting: Decodable, Sendable {
    var polygon: Polygon

    init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        var points: [Point] = []
        while !c.isAtEnd { points.append(try c.decode(PointSetting.self).point) }
        guard points.count >= 3 else { throw ConfigValueError("a polygon needs at least 3 points, got \(points.count)") }
        let polygon = Polygon(points: points)
        if let (a, b) = polygon.selfIntersection {
            throw ConfigValueError("polygon edges \(a) and \(b) cross (the polygon intersects itself)")
        }
        guard polygon.area > 1e-6 else { throw ConfigValueError("polygon has no area") }
        self.polygon = polygon
    }
}

/// A class filter written `classes: [person, vehicle]`.
struct ClassList: Decodable, Sendable {
    var filter = ClassFilter()
    init() {}
    init(from decoder: any Decoder) throws {
        let names = try decoder.singleValueContainer().decode([String].self)
        var classes = Set<ObjectClass>()
        for name in names {
            guard let c = ObjectClass(name: name), c != .unknown else {
                throw ConfigValueError("unknown object class '\(name)' (person, vehicle, object)")
            }
            classes.insert(c)
        }
        filter = ClassFilter(classes: classes)
    }
}

/// config `zones[]`.
struct ZoneSettings: Decodable, Sendable {
    var rules: ZoneRules

    enum CodingKeys: String, CodingKey {
        case name, polygon, intrusion, loitering, crowd, stoppedVehicle = "stopped_vehicle", abandonedObject = "abandoned_object"
        case objectRemoved = "object_removed", wrongWay = "wrong_way", fastMotion = "fast_motion", motion
    }

    struct Classes: Decodable { var classes: ClassList? }
    struct Dwell: Decodable {
        var seconds: Double
        var classes: ClassList?
        enum CodingKeys: String, CodingKey { case seconds = "after_s", classes }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            seconds = try c.decode(Double.self, forKey: .seconds)
            classes = try c.decodeIfPresent(ClassList.self, forKey: .classes)
            guard seconds > 0 else { throw ConfigValueError("after_s must be positive", at: "after_s") }
        }
        var rule: DwellRule { DwellRule(seconds: seconds, classes: classes?.filter ?? ClassFilter()) }
    }
    struct Crowd: Decodable {
        var minCount: Int
        var classes: ClassList?
        enum CodingKeys: String, CodingKey { case minCount = "min_count", classes }
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            minCount = try c.decode(Int.self, forKey: .minCount)
            classes = try c.decodeIfPresent(ClassList.self, forKey: .classes)
            guard minCount >= 2 else { throw ConfigValueError("min_count must be at least 2", at: "min_count") }
        }
    }
    struct WrongWay: Decodable {
        var direction: [Double]
        var toleranceDegrees: Double?
        var minSpeed: Double?
        var classes: ClassList?
        enum CodingKeys: String, CodingKey { case direction, toleranceDegrees = "tolerance_deg", minSpeed = "min_speed", classes }
    }
    struct Speed: Decodable {
        var minSpeed: Double
        var classes: ClassList?
        enum CodingKeys: String, CodingKey { case minSpeed = "min_speed", classes }
    }
    struct Motion: Decodable {
        var minShare: Double?
        enum CodingKeys: String, CodingKey { case minShare = "min_area" }
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let name = try c.decode(String.self, forKey: .name)
        guard !name.isEmpty, name.utf8.count <= 64 else { throw ConfigValueError("zone name must be 1-64 bytes", at: "name") }
        var rules = ZoneRules(name: name, polygon: try c.decode(PolygonSetting.self, forKey: .polygon).polygon)
        if c.contains(.intrusion) {
            rules.intrusion = try c.decodeIfPresent(Classes.self, forKey: .intrusion)?.classes?.filter ?? ClassFilter()
        }
        rules.loitering = try c.decodeIfPresent(Dwell.self, forKey: .loitering)?.rule
        if let crowd = try c.decodeIfPresent(Crowd.self, forKey: .crowd) {
            rules.crowd = CrowdRule(minCount: crowd.minCount, classes: crowd.classes?.filter ?? ClassFilter(classes: [.person]))
        }
        rules.stoppedVehicle = try c.decodeIfPresent(Dwell.self, forKey: .stoppedVehicle)?.rule
        rules.abandonedObject = try c.decodeIfPresent(Dwell.self, forKey: .abandonedObject)?.rule
        rules.objectRemoved = try c.decodeIfPresent(Dwell.self, forKey: .objectRemoved)?.rule
        if let w = try c.decodeIfPresent(WrongWay.self, forKey: .wrongWay) {
            guard w.direction.count == 2, w.direction[0] != 0 || w.direction[1] != 0 else {
                throw ConfigValueError("direction must be a non-zero [dx, dy]", at: "wrong_way.direction")
            }
            rules.wrongWay = WrongWayRule(dx: w.direction[0], dy: w.direction[1], toleranceDegrees: w.toleranceDegrees ?? 60,
                                          minSpeed: w.minSpeed ?? 0.03, classes: w.classes?.filter ?? ClassFilter())
        }
        if let s = try c.decodeIfPresent(Speed.self, forKey: .fastMotion) {
            guard s.minSpeed > 0 else { throw ConfigValueError("min_speed must be positive", at: "fast_motion.min_speed") }
            rules.fastMotion = SpeedRule(minSpeed: s.minSpeed, classes: s.classes?.filter ?? ClassFilter())
        }
        if let m = try c.decodeIfPresent(Motion.self, forKey: .motion) { rules.motion = MotionRule(minShare: m.minShare ?? 0.02) }
        self.rules = rules
    }
}

/// config `lines[]`.
struct LineSettings: Decodable, Sendable {
    var rule: LineRule
    enum CodingKeys: String, CodingKey { case name, from, to, classes }
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let from = try c.decode(PointSetting.self, forKey: .from).point
        let to = try c.decode(PointSetting.self, forKey: .to).point
        guard from != to else { throw ConfigValueError("a line needs two different points", at: "to") }
        rule = LineRule(name: try c.decode(String.self, forKey: .name), segment: Segment(from, to),
                        classes: try c.decodeIfPresent(ClassList.self, forKey: .classes)?.filter ?? ClassFilter())
    }
}

/// config `water_gauges[]`.
struct GaugeSettings: Decodable, Sendable {
    var rule: WaterGaugeRule
    enum CodingKeys: String, CodingKey { case name, region, calibration, thresholdCm = "threshold_cm", riseRate = "rise_rate_cm_per_min" }
    struct Calibration: Decodable { var y: Double; var cm: Double }
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let region = try c.decode([Double].self, forKey: .region)
        guard region.count == 4, region.allSatisfy({ $0 >= 0 && $0 <= 1 }), region[0] + region[2] <= 1, region[1] + region[3] <= 1,
              region[2] > 0, region[3] > 0 else {
            throw ConfigValueError("region must be [x, y, width, height] inside the frame", at: "region")
        }
        let points = try c.decode([Calibration].self, forKey: .calibration)
        guard points.count == 2, points[0].y != points[1].y else {
            throw ConfigValueError("calibration needs two points at different heights: [{y, cm}, {y, cm}]", at: "calibration")
        }
        rule = WaterGaugeRule(
            name: try c.decode(String.self, forKey: .name), region: Rect(x: region[0], y: region[1], width: region[2], height: region[3]),
            y1: points[0].y, cm1: points[0].cm, y2: points[1].y, cm2: points[1].cm,
            thresholdCm: try c.decode(Double.self, forKey: .thresholdCm), riseRateCmPerMin: try c.decode(.riseRate, default: 0.0))
    }
}
