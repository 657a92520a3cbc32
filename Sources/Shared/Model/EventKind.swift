/// The kind of an event: an open set of names (`intrusion`, `water_level`, ...).
///
/// A struct rather than an enum on purpose: a newer agent may report a kind this build has never
/// heard of, and that event must still be stored, forwarded and matched by name. What a kind
/// means, its default severity and its attributes live in `EventKindRegistry`.
public struct EventKind: RawRepresentable, Sendable, Hashable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }

    public var description: String { rawValue }

    /// True when `EventKindRegistry.standard` describes this kind.
    public var isKnown: Bool { EventKindRegistry.standard.descriptor(of: self) != nil }
}

extension EventKind {
    public static let motion: EventKind = "motion"
    public static let intrusion: EventKind = "intrusion"
    public static let lineCrossing: EventKind = "line_crossing"
    public static let loitering: EventKind = "loitering"
    public static let crowd: EventKind = "crowd"
    public static let stoppedVehicle: EventKind = "stopped_vehicle"
    public static let abandonedObject: EventKind = "abandoned_object"
    public static let objectRemoved: EventKind = "object_removed"
    public static let fastMotion: EventKind = "fast_motion"
    public static let wrongWay: EventKind = "wrong_way"
    public static let tamperCovered: EventKind = "tamper_covered"
    public static let tamperDefocus: EventKind = "tamper_defocus"
    public static let tamperMoved: EventKind = "tamper_moved"
    public static let videoLoss: EventKind = "video_loss"
    public static let waterLevel: EventKind = "water_level"
    public static let smoke: EventKind = "smoke"
    public static let fire: EventKind = "fire"
}
