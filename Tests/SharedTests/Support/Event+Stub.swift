import Shared

extension Event {
    /// An event with every field set, for round-trip tests.
    static func stub(
        id: UInt64 = 1, kind: EventKind = .intrusion, phase: EventPhase = .start, camera: String = "cam-1",
        attributes: Attributes = ["object_class": "person", "dwell_s": 12.5]
    ) -> Event {
        Event(
            id: id, lifecycleID: id, cameraID: camera, kind: kind, phase: phase,
            captureTimeMs: 1_790_000_000_000 + Int64(id) * 40, agentTimeMs: 1_790_000_000_000 + Int64(id) * 40 + 35,
            trackID: id * 3, box: BoundingBox(x: 0.25, y: 0.5, width: 0.1, height: 0.2), zone: "gate",
            confidence: Confidence(0.875), severity: .high, attributes: attributes, snapshot: "snap/cam-1/\(id).jpg")
    }
}
