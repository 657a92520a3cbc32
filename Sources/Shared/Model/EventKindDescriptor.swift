/// What an event kind means: the registry entry behind `EventKind`.
public struct EventKindDescriptor: Sendable, Hashable {
    /// The application domain a kind mostly serves.
    public enum Domain: String, Sendable, Hashable, Codable, CaseIterable {
        case security, deviceHealth = "device_health", safety, urban, traffic, water
    }

    /// An attribute the kind carries.
    public struct AttributeSpec: Sendable, Hashable {
        public enum ValueType: String, Sendable, Hashable, Codable { case int, double, bool, string }
        public let key: String
        public let type: ValueType
        public let unit: String?
        public let meaning: String

        public init(_ key: String, _ type: ValueType, unit: String? = nil, _ meaning: String) {
            self.key = key
            self.type = type
            self.unit = unit
            self.meaning = meaning
        }
    }

    public let kind: EventKind
    public let domain: Domain
    public let meaning: String
    public let defaultSeverity: Severity
    /// Whether the kind is about a track (has a box and a track id) or about a condition.
    public let tracked: Bool
    public let attributes: [AttributeSpec]

    public init(
        _ kind: EventKind, domain: Domain, severity: Severity, tracked: Bool, meaning: String,
        attributes: [AttributeSpec] = []
    ) {
        self.kind = kind
        self.domain = domain
        self.meaning = meaning
        self.defaultSeverity = severity
        self.tracked = tracked
        self.attributes = attributes
    }
}
