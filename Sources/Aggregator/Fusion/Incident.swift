import Shared

/// Events from one or more cameras that fusion judged to be one happening (a fire seen by three
/// cameras, a flood wave along a river, an intruder crossing two cameras' fields).
struct Incident: Sendable, Hashable, Codable {
    enum Status: String, Sendable, Hashable, Codable { case open, acknowledged, resolved }

    struct Entry: Sendable, Hashable, Codable {
        var timeMs: Int64
        var cameraID: String
        var district: String
        var kind: EventKind
        var severity: Severity
        var event: EventReference

        enum CodingKeys: String, CodingKey { case timeMs = "time_ms", cameraID = "camera_id", district, kind, severity, event }
    }

    /// `<type>-<agent>-<first event id>`: deterministic, so re-fusing the same events makes the same id.
    var id: String
    var type: String
    var status: Status
    var severity: Severity
    var openedMs: Int64
    var lastMs: Int64
    var resolvedMs: Int64?
    var cameras: [String]
    var districts: [String]
    /// Tracks (`camera#track`) in the incident, linked across cameras.
    var tracks: [String]
    var eventCount: Int
    /// The newest entries (at most the configured limit), oldest first.
    var timeline: [Entry]

    enum CodingKeys: String, CodingKey {
        case id, type, status, severity, openedMs = "opened_ms", lastMs = "last_ms", resolvedMs = "resolved_ms", cameras, districts,
            tracks, eventCount = "event_count", timeline
    }
}

/// What fusion did with an input.
struct IncidentUpdate: Sendable, Hashable {
    enum Change: String, Sendable, Hashable { case opened, updated, escalated, resolved }
    var change: Change
    var incident: Incident
}
