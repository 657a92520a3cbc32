import Shared

/// config `fusion`: how events become incidents.
struct FusionSettings: Decodable, Sendable, Hashable {
    /// Incident type → the event kinds it gathers. Kinds not listed make incidents of their own kind.
    var types: [String: [String]] = [
        "fire": ["smoke", "fire"],
        "flood": ["water_level"],
        "crowd": ["crowd"],
        "intrusion": ["intrusion", "loitering", "line_crossing", "abandoned_object", "object_removed"],
        "traffic": ["stopped_vehicle", "wrong_way"],
        "device": ["tamper_covered", "tamper_defocus", "tamper_moved", "video_loss"],
    ]
    /// Kinds that never make incidents (too frequent or too weak on their own).
    var ignore: [String] = ["motion"]
    /// An event joins an incident of its type with a camera this close (or the same camera or site).
    var distanceMetres = 500.0
    /// ... and active this recently (event time).
    var windowSeconds = 600
    /// A track from a camera this close, seen at a plausible speed, joins the incident of the track it continues.
    var linkDistanceMetres = 1_000.0
    /// Fastest plausible ground speed between cameras (m/s): 40 m/s is 144 km/h.
    var maxSpeedMetresPerSecond = 40.0
    /// An incident with no new event for this long (event time) is resolved.
    var quietSeconds = 900
    /// Timeline entries kept per incident (the newest; counts stay exact).
    var timelineLimit = 200

    enum CodingKeys: String, CodingKey {
        case types, ignore, distanceMetres = "distance_m", windowSeconds = "window_s", linkDistanceMetres = "link_distance_m",
            maxSpeedMetresPerSecond = "max_speed_m_s", quietSeconds = "quiet_s", timelineLimit = "timeline_limit"
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = FusionSettings()
        types = try c.decode(.types, default: defaults.types)
        ignore = try c.decode(.ignore, default: defaults.ignore)
        distanceMetres = try c.decode(.distanceMetres, default: defaults.distanceMetres)
        windowSeconds = try c.decode(.windowSeconds, default: defaults.windowSeconds)
        linkDistanceMetres = try c.decode(.linkDistanceMetres, default: defaults.linkDistanceMetres)
        maxSpeedMetresPerSecond = try c.decode(.maxSpeedMetresPerSecond, default: defaults.maxSpeedMetresPerSecond)
        quietSeconds = try c.decode(.quietSeconds, default: defaults.quietSeconds)
        timelineLimit = try c.decode(.timelineLimit, default: defaults.timelineLimit)
        guard distanceMetres >= 0, linkDistanceMetres >= 0, maxSpeedMetresPerSecond > 0, windowSeconds > 0, quietSeconds > 0,
            timelineLimit > 0
        else { throw ConfigValueError("distances must be ≥ 0; max_speed_m_s, window_s, quiet_s and timeline_limit > 0") }
        var owner: [String: String] = [:]
        for type in types.keys.sorted() {
            for kind in types[type] ?? [] {
                if let other = owner.updateValue(type, forKey: kind) {
                    throw ConfigValueError("kind '\(kind)' is in both '\(other)' and '\(type)'", at: "types.\(type)")
                }
            }
        }
    }

    /// Kind → incident type (nil: ignored).
    func type(of kind: EventKind) -> String? {
        if ignore.contains(kind.rawValue) { return nil }
        for (type, kinds) in types where kinds.contains(kind.rawValue) { return type }
        return kind.rawValue
    }
}
