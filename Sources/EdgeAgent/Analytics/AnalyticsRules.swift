import Shared

/// A zone and the analytics that watch it (config `cameras[].zones[]`).
struct ZoneRules: Sendable, Hashable {
    var name: String
    var polygon: Polygon
    /// A track of these classes entered (empty: any class).
    var intrusion: ClassFilter?
    /// A track stayed longer than `seconds`.
    var loitering: DwellRule?
    /// At least `minCount` tracks of `classes` at once.
    var crowd: CrowdRule?
    /// A vehicle stationary longer than `seconds`.
    var stoppedVehicle: DwellRule?
    /// A small object static longer than `seconds` (bag, pile).
    var abandonedObject: DwellRule?
    /// A part of the scene missing longer than `seconds`.
    var objectRemoved: DwellRule?
    /// Movement against `direction`.
    var wrongWay: WrongWayRule?
    /// Speed above `minSpeed` frame-widths per second.
    var fastMotion: SpeedRule?
    /// Raw motion covering at least `minShare` of the zone.
    var motion: MotionRule?
}

struct ClassFilter: Sendable, Hashable {
    var classes: Set<ObjectClass> = []
    func allows(_ c: ObjectClass) -> Bool { classes.isEmpty || classes.contains(c) }
}

struct DwellRule: Sendable, Hashable {
    var seconds: Double
    var classes = ClassFilter()
}

struct CrowdRule: Sendable, Hashable {
    var minCount: Int
    var classes = ClassFilter(classes: [.person])
}

struct WrongWayRule: Sendable, Hashable {
    /// Allowed direction of travel (normalised vector, image coordinates).
    var dx: Double
    var dy: Double
    /// Movement more than 180° − tolerance away from the allowed direction is wrong way.
    var toleranceDegrees = 60.0
    var minSpeed = 0.03
    var classes = ClassFilter()
}

struct SpeedRule: Sendable, Hashable {
    var minSpeed: Double
    var classes = ClassFilter()
}

struct MotionRule: Sendable, Hashable {
    var minShare = 0.02
}

/// A counting or tripwire line (config `cameras[].lines[]`); `in` is crossing from the left of
/// from→to to its right, as seen in the image.
struct LineRule: Sendable, Hashable {
    var name: String
    var segment: Segment
    var classes = ClassFilter()
}

/// Camera tamper checks (config `cameras[].tamper`).
struct TamperRules: Sendable, Hashable {
    var covered = true
    var defocus = true
    var moved = true
    /// A condition must hold this long before it is reported, s (default 2).
    var holdSeconds = 2.0
    /// Covered: grey-level standard deviation below this (default 8).
    var coveredMaxStdDev = 8.0
    /// Defocus: sharpness below this share of the reference (default 0.45).
    var defocusRatio = 0.45
    /// Moved: correlation with the reference view below this (default 0.5).
    var movedCorrelation = 0.5
}

/// A water gauge (config `cameras[].water_gauges[]`): a vertical region where the waterline is read,
/// calibrated by two points (normalised y → centimetres).
struct WaterGaugeRule: Sendable, Hashable {
    var name: String
    var region: Rect
    var y1: Double
    var cm1: Double
    var y2: Double
    var cm2: Double
    /// Alarm at or above this level, cm.
    var thresholdCm: Double
    /// Alarm when rising at least this fast, cm/min (0: off).
    var riseRateCmPerMin = 0.0
    var hysteresisCm = 2.0

    func centimetres(atY y: Double) -> Double { cm1 + (y - y1) * (cm2 - cm1) / (y2 - y1) }
}

/// Smoke and fire heuristics (config `cameras[].smoke`, `cameras[].fire`).
struct SmokeFireRules: Sendable, Hashable {
    var smoke = false
    var fire = false
    /// Smallest share of the frame a plume or flame must cover (default 0.004).
    var minShare = 0.004
    var holdSeconds = 2.0
}

/// Everything one camera's analytics need.
struct CameraRules: Sendable, Hashable {
    var zones: [ZoneRules] = []
    var lines: [LineRule] = []
    var tamper = TamperRules()
    var gauges: [WaterGaugeRule] = []
    var smokeFire = SmokeFireRules()
    /// A track must have travelled this far (normalised) before it can raise a movement alarm.
    var minTravel = 0.03

    /// The defaults without a config file: the whole frame is one zone watching intrusion, tamper on.
    static var wholeFrame: CameraRules {
        CameraRules(zones: [
            ZoneRules(
                name: "frame",
                polygon: Polygon(points: [Point(x: 0, y: 0), Point(x: 1, y: 0), Point(x: 1, y: 1), Point(x: 0, y: 1)]),
                intrusion: ClassFilter(classes: [.person, .vehicle]))
        ])
    }
}
