import Shared

/// A scenario fired: the record operators see, the webhook sends and commands come from.
struct Activation: Sendable, Hashable, Codable {
    /// Deterministic (`scenario/key/time`), so a replay or a second evaluator produces the same id
    /// and the store keeps one.
    var id: String
    var scenarioID: String
    var title: String
    var domain: EventKindDescriptor.Domain
    var severity: Severity
    /// Event time at which the pattern completed (for an absence: when the wait ran out).
    var timeMs: Int64
    /// The dedup key's value (a district id, a camera id ... empty for city-wide).
    var key: String
    var districts: [String]
    var cameras: [String]
    var reaches: [String]
    var roads: [String]
    /// The events that made the pattern (at most `Activation.maxEvents`, the latest kept).
    var events: [EventReference]
    var summary: String

    static let maxEvents = 64

    enum CodingKeys: String, CodingKey {
        case id, scenarioID = "scenario_id", title, domain, severity, timeMs = "time_ms", key, districts, cameras, reaches, roads,
            events, summary
    }
}

