/// An agent's view of its own health, sent with every batch (wire message `AgentHealth`) so that
/// the aggregator's fleet view shows what only the agent knows: its backlog, how old its oldest
/// unsent event is, its clock skew, when its certificate expires, which cameras are live or
/// tampered with.
public struct AgentHealth: Sendable, Hashable, Codable {
    public var sampledAtMs: Int64
    public var spoolBacklogBytes: UInt64
    public var oldestEventAgeMs: Int64?
    /// Aggregator clock minus agent clock, from earlier acks.
    public var clockSkewMs: Int64?
    public var certificateNotAfterMs: Int64?
    public var cameras: UInt32
    public var camerasOnline: UInt32
    public var tamperedCameras: [String]
    public var deadLetters: UInt32
    public var evictedEvents: UInt64

    /// The most tampered camera ids one report carries.
    public static let maxTamperedCameras = 1_024

    public init(
        sampledAtMs: Int64, spoolBacklogBytes: UInt64 = 0, oldestEventAgeMs: Int64? = nil, clockSkewMs: Int64? = nil,
        certificateNotAfterMs: Int64? = nil, cameras: UInt32 = 0, camerasOnline: UInt32 = 0, tamperedCameras: [String] = [],
        deadLetters: UInt32 = 0, evictedEvents: UInt64 = 0
    ) {
        self.sampledAtMs = sampledAtMs
        self.spoolBacklogBytes = spoolBacklogBytes
        self.oldestEventAgeMs = oldestEventAgeMs
        self.clockSkewMs = clockSkewMs
        self.certificateNotAfterMs = certificateNotAfterMs
        self.cameras = cameras
        self.camerasOnline = camerasOnline
        self.tamperedCameras = tamperedCameras
        self.deadLetters = deadLetters
        self.evictedEvents = evictedEvents
    }

    enum CodingKeys: String, CodingKey {
        case sampledAtMs = "sampled_at_ms", spoolBacklogBytes = "spool_backlog_bytes", oldestEventAgeMs = "oldest_event_age_ms"
        case clockSkewMs = "clock_skew_ms", certificateNotAfterMs = "certificate_not_after_ms", cameras, camerasOnline = "cameras_online"
        case tamperedCameras = "tampered_cameras", deadLetters = "dead_letters", evictedEvents = "evicted_events"
    }

    var wire: Citywatch_V1_AgentHealth {
        var m = Citywatch_V1_AgentHealth()
        m.sampledAtMs = sampledAtMs
        m.spoolBacklogBytes = spoolBacklogBytes
        m.oldestEventAgeMs = oldestEventAgeMs ?? 0
        m.clockSkewMs = clockSkewMs ?? 0
        m.clockSkewKnown = clockSkewMs != nil
        m.certificateNotAfterMs = certificateNotAfterMs ?? 0
        m.cameras = cameras
        m.camerasOnline = camerasOnline
        m.tamperedCameras = tamperedCameras
        m.deadLetters = deadLetters
        m.evictedEvents = evictedEvents
        return m
    }

    /// Checks a received report: camera ids within the string limit, at most 1,024 of them, no
    /// more cameras online than cameras, no negative ages.
    init(wire m: Citywatch_V1_AgentHealth, limits: BatchLimits) throws(BatchError) {
        guard m.tamperedCameras.count <= Self.maxTamperedCameras else {
            throw .invalid("health.tampered_cameras", "\(m.tamperedCameras.count) ids, the limit is \(Self.maxTamperedCameras)")
        }
        for (i, id) in m.tamperedCameras.enumerated() where id.isEmpty || id.utf8.count > limits.maxStringBytes {
            throw .invalid("health.tampered_cameras[\(i)]", "must be 1...\(limits.maxStringBytes) bytes")
        }
        guard m.camerasOnline <= m.cameras else { throw .invalid("health.cameras_online", "more than health.cameras") }
        guard m.oldestEventAgeMs >= 0 else { throw .invalid("health.oldest_event_age_ms", "must not be negative") }
        guard m.sampledAtMs >= 0, m.certificateNotAfterMs >= 0 else { throw .invalid("health.sampled_at_ms", "times must not be negative") }
        self.init(
            sampledAtMs: m.sampledAtMs, spoolBacklogBytes: m.spoolBacklogBytes, oldestEventAgeMs: m.oldestEventAgeMs == 0 ? nil : m.oldestEventAgeMs,
            clockSkewMs: m.clockSkewKnown ? m.clockSkewMs : nil, certificateNotAfterMs: m.certificateNotAfterMs == 0 ? nil : m.certificateNotAfterMs,
            cameras: m.cameras, camerasOnline: m.camerasOnline, tamperedCameras: m.tamperedCameras, deadLetters: m.deadLetters,
            evictedEvents: m.evictedEvents)
    }
}
