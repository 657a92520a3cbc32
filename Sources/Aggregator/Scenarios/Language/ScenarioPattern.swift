import Shared

/// What must happen for a scenario to fire, beyond its `match` filter. Exactly one per scenario.
enum ScenarioPattern: Sendable, Hashable {
    /// Every matching input fires (subject to the cooldown).
    case single
    case count(CountPattern)
    case sequence(SequencePattern)
    case absence(AbsencePattern)
    case rate(RatePattern)
}

/// What a window, rate or cooldown is kept per: the whole city, or one district, camera ...
enum GroupKey: String, Decodable, Sendable, Hashable, CaseIterable {
    case city, district, camera, track, zone, reach, road, site
}

/// What `count` counts inside its window.
enum DistinctKey: String, Decodable, Sendable, Hashable {
    case events, cameras, districts, tracks, zones, agents
}

/// `count: {window: 10m, at_least: 3, distinct: cameras, group_by: district}`: at least N
/// matching inputs (or N distinct cameras, districts, tracks ...) within a sliding window.
struct CountPattern: Decodable, Sendable, Hashable {
    var window: ScenarioDuration
    var atLeast: Int
    var distinct: DistinctKey
    var groupBy: GroupKey

    enum CodingKeys: String, CodingKey { case window, atLeast = "at_least", distinct, groupBy = "group_by" }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        window = try c.decode(ScenarioDuration.self, forKey: .window)
        atLeast = try c.decode(Int.self, forKey: .atLeast)
        guard atLeast >= 1, atLeast <= 100_000 else {
            throw DecodingError.dataCorruptedError(forKey: .atLeast, in: c, debugDescription: "at_least must be within 1...100000")
        }
        distinct = try c.decode(.distinct, default: .events)
        groupBy = try c.decode(.groupBy, default: .city)
    }
}

/// `sequence: {then: FILTER, within: 30m, correlate: downstream}`: an input matching `match`,
/// then one matching `then` within the time, related as `correlate` says.
struct SequencePattern: Sendable, Hashable {
    var then: EventFilter
    var within: ScenarioDuration
    var correlate: Correlation
    /// The second step must come from another district than the first.
    var otherDistrict: Bool
}

/// `absence: {expect: FILTER, within: 5m, correlate: same_camera}`: an input matching `match`
/// that is *not* followed by one matching `expect` within the time; fires when the time is up.
struct AbsencePattern: Sendable, Hashable {
    var expect: EventFilter
    var within: ScenarioDuration
    var correlate: Correlation
}

/// `rate: {attribute: level_cm, window: 10m, rise: 30, group_by: camera}`: a numeric attribute
/// rose (or fell) by at least this much within the window.
struct RatePattern: Decodable, Sendable, Hashable {
    var attribute: String
    var window: ScenarioDuration
    var rise: Double?
    var fall: Double?
    var groupBy: GroupKey

    enum CodingKeys: String, CodingKey { case attribute, window, rise, fall, groupBy = "group_by" }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        attribute = try c.decode(String.self, forKey: .attribute)
        window = try c.decode(ScenarioDuration.self, forKey: .window)
        rise = try c.decodeIfPresent(Double.self, forKey: .rise)
        fall = try c.decodeIfPresent(Double.self, forKey: .fall)
        groupBy = try c.decode(.groupBy, default: .camera)
        guard (rise == nil) != (fall == nil) else { throw ConfigValueError("give exactly one of rise or fall") }
        if let v = rise ?? fall, !(v > 0) { throw ConfigValueError("must be positive", at: rise != nil ? "rise" : "fall") }
    }
}

/// The `correlate`-carrying steps decode alike.
struct StepSpec: Decodable {
    var filter: EventFilter
    var within: ScenarioDuration
    var correlate: Correlation
    var otherDistrict: Bool

    enum CodingKeys: String, CodingKey { case then, expect, within, correlate, distanceMetres = "distance_m", otherDistrict = "other_district" }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard let filter = try c.decodeIfPresent(EventFilter.self, forKey: .then) ?? c.decodeIfPresent(EventFilter.self, forKey: .expect) else {
            throw ConfigValueError("required key is missing: 'then' (sequence) or 'expect' (absence)")
        }
        self.filter = filter
        within = try c.decode(ScenarioDuration.self, forKey: .within)
        let name = try c.decode(.correlate, default: "any")
        let distance = try c.decodeIfPresent(Double.self, forKey: .distanceMetres)
        guard let correlate = Correlation(name: name, distance: distance) else {
            if name == "within_distance" { throw ConfigValueError("within_distance needs distance_m", at: "correlate") }
            throw ConfigValueError("unknown correlation '\(name)' (expected one of: \(Correlation.names.joined(separator: ", ")))", at: "correlate")
        }
        if let distance, !(distance > 0) { throw ConfigValueError("must be positive", at: "distance_m") }
        self.correlate = correlate
        otherDistrict = try c.decode(.otherDistrict, default: false)
    }
}
