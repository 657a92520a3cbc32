/// JSON form of an event (`edge-agent detect --json`, the HTTP API): snake_case keys named as in
/// the protobuf schema; optional fields are omitted when absent.
extension Event: Codable {
    enum CodingKeys: String, CodingKey {
        case id = "event_id"
        case lifecycleID = "lifecycle_id"
        case cameraID = "camera_id"
        case kind, phase
        case captureTimeMs = "capture_time_ms"
        case agentTimeMs = "agent_time_ms"
        case trackID = "track_id"
        case box, zone, confidence, severity, attributes, snapshot
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let id = try c.decode(UInt64.self, forKey: .id)
        let kind = try c.decode(EventKind.self, forKey: .kind)
        let capture = try c.decode(Int64.self, forKey: .captureTimeMs)
        self.init(
            id: id,
            lifecycleID: try c.decodeIfPresent(UInt64.self, forKey: .lifecycleID),
            cameraID: try c.decode(String.self, forKey: .cameraID),
            kind: kind,
            phase: try c.decodeIfPresent(EventPhase.self, forKey: .phase) ?? .start,
            captureTimeMs: capture,
            agentTimeMs: try c.decodeIfPresent(Int64.self, forKey: .agentTimeMs),
            trackID: try c.decodeIfPresent(UInt64.self, forKey: .trackID) ?? 0,
            box: try c.decodeIfPresent(BoundingBox.self, forKey: .box),
            zone: try c.decodeIfPresent(String.self, forKey: .zone),
            confidence: try c.decodeIfPresent(Confidence.self, forKey: .confidence) ?? .certain,
            severity: try c.decodeIfPresent(Severity.self, forKey: .severity),
            attributes: Self.typed(try c.decodeIfPresent(Attributes.self, forKey: .attributes) ?? [:], kind: kind),
            snapshot: try c.decodeIfPresent(String.self, forKey: .snapshot)
        )
    }

    /// JSON has one number type: `4` could be an int or a double. For the kind's documented
    /// attributes the registry says which; other whole numbers stay ints.
    public static func typed(_ attributes: Attributes, kind: EventKind) -> Attributes {
        guard let specs = EventKindRegistry.standard.descriptor(of: kind)?.attributes else { return attributes }
        var typed = attributes
        for spec in specs where spec.type == .double {
            if case .int(let v) = attributes[spec.key] { typed[spec.key] = .double(Double(v)) }
        }
        return typed
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(lifecycleID, forKey: .lifecycleID)
        try c.encode(cameraID, forKey: .cameraID)
        try c.encode(kind, forKey: .kind)
        try c.encode(phase, forKey: .phase)
        try c.encode(captureTimeMs, forKey: .captureTimeMs)
        try c.encode(agentTimeMs, forKey: .agentTimeMs)
        if trackID != 0 { try c.encode(trackID, forKey: .trackID) }
        try c.encodeIfPresent(box, forKey: .box)
        try c.encodeIfPresent(zone, forKey: .zone)
        try c.encode(confidence, forKey: .confidence)
        try c.encode(severity, forKey: .severity)
        if !attributes.isEmpty { try c.encode(attributes, forKey: .attributes) }
        try c.encodeIfPresent(snapshot, forKey: .snapshot)
    }
}
