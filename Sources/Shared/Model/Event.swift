/// One observation from one camera: the unit that every part of citywatch shares.
///
/// An event belongs to a *lifecycle*: a `start`, any number of `update`s and an `end` about the same
/// track or condition share `lifecycleID`, which is the `id` of the lifecycle's `start` event.
/// `id` is unique per agent and strictly increasing in the order the agent committed its events;
/// the pair (agent id, `id`) is the event's global key.
///
/// Values carry wire precision by construction (box in 1/10000 of the frame, confidence in
/// thousandths, times in milliseconds), so an event survives an encode/decode round trip exactly.
public struct Event: Sendable, Hashable {
    public var id: UInt64
    public var lifecycleID: UInt64
    public var cameraID: String
    public var kind: EventKind
    public var phase: EventPhase
    /// When the frame was captured, ms since the Unix epoch (camera/agent capture clock).
    public var captureTimeMs: Int64
    /// The agent's wall clock when it made the event, ms since the Unix epoch.
    public var agentTimeMs: Int64
    /// Tracker id; 0 when the event is about a condition rather than a track (tamper, water level).
    public var trackID: UInt64
    public var box: BoundingBox?
    /// Zone or line name from the camera's analytics configuration.
    public var zone: String?
    public var confidence: Confidence
    public var severity: Severity
    public var attributes: Attributes
    /// Reference to a snapshot stored beside the event (e.g. `snap/cam-3/1234.jpg`).
    public var snapshot: String?

    public init(
        id: UInt64,
        lifecycleID: UInt64? = nil,
        cameraID: String,
        kind: EventKind,
        phase: EventPhase = .start,
        captureTimeMs: Int64,
        agentTimeMs: Int64? = nil,
        trackID: UInt64 = 0,
        box: BoundingBox? = nil,
        zone: String? = nil,
        confidence: Confidence = .certain,
        severity: Severity? = nil,
        attributes: Attributes = [:],
        snapshot: String? = nil
    ) {
        self.id = id
        self.lifecycleID = lifecycleID ?? id
        self.cameraID = cameraID
        self.kind = kind
        self.phase = phase
        self.captureTimeMs = captureTimeMs
        self.agentTimeMs = agentTimeMs ?? captureTimeMs
        self.trackID = trackID
        self.box = box
        self.zone = zone
        self.confidence = confidence
        self.severity = severity ?? EventKindRegistry.standard.defaultSeverity(of: kind)
        self.attributes = attributes
        self.snapshot = snapshot
    }
}
