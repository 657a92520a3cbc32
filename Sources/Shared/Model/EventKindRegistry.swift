/// The documented event kinds (docs/EVENTS.md mirrors this table; a test keeps them in step).
///
/// Kinds not listed here are still valid events: they get `unknownKindSeverity` as default and
/// travel and store unchanged.
public struct EventKindRegistry: Sendable {
    public static let unknownKindSeverity = Severity.medium

    public let descriptors: [EventKindDescriptor]
    private let index: [EventKind: Int]

    public init(_ descriptors: [EventKindDescriptor]) {
        self.descriptors = descriptors
        var index: [EventKind: Int] = [:]
        for (i, d) in descriptors.enumerated() { index[d.kind] = i }
        self.index = index
    }

    public func descriptor(of kind: EventKind) -> EventKindDescriptor? {
        index[kind].map { descriptors[$0] }
    }

    public func defaultSeverity(of kind: EventKind) -> Severity {
        descriptor(of: kind)?.defaultSeverity ?? Self.unknownKindSeverity
    }
}

extension EventKindRegistry {
    private typealias A = EventKindDescriptor.AttributeSpec

    private static let objectClass = A("object_class", .string, "What the detector saw: person, vehicle, object, unknown.")
    private static let dwell = A("dwell_s", .double, unit: "s", "Time the track has spent in the zone.")
    private static let speed = A("speed", .double, unit: "frame/s", "Track speed in frame widths per second.")

    public static let standard = EventKindRegistry([
        .init(.motion, domain: .security, severity: .info, tracked: false,
              meaning: "Motion in a guarded area that no other analytic explains.",
              attributes: [A("area_ratio", .double, "Fraction of the zone in motion.")]),
        .init(.intrusion, domain: .security, severity: .high, tracked: true,
              meaning: "A track entered a protected zone.",
              attributes: [objectClass, dwell]),
        .init(.lineCrossing, domain: .security, severity: .medium, tracked: true,
              meaning: "A track crossed a counting or tripwire line.",
              attributes: [objectClass, A("direction", .string, "in or out, relative to the line's orientation."),
                           A("count_in", .int, "Crossings inward since the agent started."),
                           A("count_out", .int, "Crossings outward since the agent started.")]),
        .init(.loitering, domain: .security, severity: .medium, tracked: true,
              meaning: "A track stayed in a zone longer than the configured dwell time.",
              attributes: [objectClass, dwell]),
        .init(.crowd, domain: .safety, severity: .high, tracked: false,
              meaning: "The number of people in a zone reached the configured threshold.",
              attributes: [A("count", .int, "Tracks in the zone."), A("density", .double, unit: "1/zone", "Count per unit of zone area.")]),
        .init(.stoppedVehicle, domain: .traffic, severity: .medium, tracked: true,
              meaning: "A vehicle stopped in a no-stopping zone (illegal parking, breakdown) longer than allowed.",
              attributes: [objectClass, A("stopped_s", .double, unit: "s", "Time stationary.")]),
        .init(.abandonedObject, domain: .security, severity: .high, tracked: true,
              meaning: "A new static object appeared and stayed without its owner (bag, pile of material).",
              attributes: [A("static_s", .double, unit: "s", "Time the object has been static.")]),
        .init(.objectRemoved, domain: .security, severity: .high, tracked: true,
              meaning: "A part of the reference scene disappeared (theft, missing manhole cover).",
              attributes: [A("missing_s", .double, unit: "s", "Time the region has differed from the reference.")]),
        .init(.fastMotion, domain: .security, severity: .medium, tracked: true,
              meaning: "A track moved faster than the configured speed (running, object thrown).",
              attributes: [objectClass, speed]),
        .init(.wrongWay, domain: .traffic, severity: .high, tracked: true,
              meaning: "A track moved against a zone's allowed direction.",
              attributes: [objectClass, speed, A("angle_deg", .double, unit: "deg", "Angle between motion and the allowed direction.")]),
        .init(.tamperCovered, domain: .deviceHealth, severity: .high, tracked: false,
              meaning: "The lens is covered or the image went uniformly dark or bright.",
              attributes: [A("uniformity", .double, "Share of the frame within a narrow brightness band.")]),
        .init(.tamperDefocus, domain: .deviceHealth, severity: .medium, tracked: false,
              meaning: "The image lost sharpness against the camera's reference (defocus, dirt, fog on the lens).",
              attributes: [A("sharpness_ratio", .double, "Current sharpness over the reference sharpness.")]),
        .init(.tamperMoved, domain: .deviceHealth, severity: .high, tracked: false,
              meaning: "The camera points elsewhere than its reference view (knocked, turned).",
              attributes: [A("shift_ratio", .double, "Share of reference features no longer in place.")]),
        .init(.videoLoss, domain: .deviceHealth, severity: .high, tracked: false,
              meaning: "No frames from the camera (stream down, decoder stalled).",
              attributes: [A("reason", .string, "stall, exit, unreachable."), A("restarts", .int, "Capture restarts so far.")]),
        .init(.waterLevel, domain: .water, severity: .medium, tracked: false,
              meaning: "The water level read from a gauge crossed a configured threshold or rises fast.",
              attributes: [A("water_level_cm", .double, unit: "cm", "Level read from the gauge."),
                           A("rise_rate_cm_per_min", .double, unit: "cm/min", "Rate of change over the last minutes."),
                           A("threshold_cm", .double, unit: "cm", "The threshold crossed.")]),
        .init(.smoke, domain: .safety, severity: .high, tracked: false,
              meaning: "A growing low-contrast greyish region that blurs the background (heuristic).",
              attributes: [A("area_ratio", .double, "Share of the zone covered.")]),
        .init(.fire, domain: .safety, severity: .critical, tracked: false,
              meaning: "Flickering flame-coloured region (heuristic on the chroma planes).",
              attributes: [A("area_ratio", .double, "Share of the zone covered."), A("flicker_hz", .double, unit: "Hz", "Dominant flicker frequency.")]),
    ])
}
