import Foundation
import Shared

/// An event flattened into the column values both stores use (same names in both schemas).
/// u64 ids are stored as their Int64 bit pattern (SQL has no unsigned 64-bit type).
struct EventRow: Sendable {
    var agentID: String
    var eventID: Int64
    var lifecycleID: Int64
    var batchSeq: Int64
    var cameraID: String
    var districtID: String
    var kind: String
    var phase: String
    var severity: String
    var severityRank: Int
    var captureTimeMs: Int64
    var agentTimeMs: Int64
    var receivedAtMs: Int64
    var trackID: Int64
    var boxX: Int?
    var boxY: Int?
    var boxWidth: Int?
    var boxHeight: Int?
    var zone: String?
    var confidencePermille: Int
    /// JSON object of the typed attributes.
    var attributes: String
    var snapshot: String?

    static let columns = [
        "agent_id", "event_id", "lifecycle_id", "batch_seq", "camera_id", "district_id", "kind", "phase", "severity",
        "severity_rank", "capture_time_ms", "agent_time_ms", "received_at_ms", "track_id", "box_x", "box_y", "box_w", "box_h",
        "zone", "confidence_permille", "attributes", "snapshot",
    ]

    /// The rows of a batch, in its order.
    static func rows(of batch: IngestedBatch) -> [EventRow] {
        zip(batch.events, batch.districts).map {
            EventRow($0, agentID: batch.agentID, batchSeq: batch.batchSeq, district: $1, receivedAtMs: batch.receivedAtMs)
        }
    }

    init(_ event: Event, agentID: String, batchSeq: UInt64, district: String, receivedAtMs: Int64) {
        self.agentID = agentID
        eventID = Int64(bitPattern: event.id)
        lifecycleID = Int64(bitPattern: event.lifecycleID)
        self.batchSeq = Int64(bitPattern: batchSeq)
        cameraID = event.cameraID
        districtID = district
        kind = event.kind.rawValue
        phase = event.phase.rawValue
        severity = event.severity.rawValue
        severityRank = event.severity.rank
        captureTimeMs = event.captureTimeMs
        agentTimeMs = event.agentTimeMs
        self.receivedAtMs = receivedAtMs
        trackID = Int64(bitPattern: event.trackID)
        boxX = event.box.map { Int($0.xUnits) }
        boxY = event.box.map { Int($0.yUnits) }
        boxWidth = event.box.map { Int($0.widthUnits) }
        boxHeight = event.box.map { Int($0.heightUnits) }
        zone = event.zone
        confidencePermille = Int(event.confidence.permille)
        attributes = event.attributes.jsonObject()
        snapshot = event.snapshot
    }

    init(
        agentID: String, eventID: Int64, lifecycleID: Int64, batchSeq: Int64, cameraID: String, districtID: String, kind: String,
        phase: String, severity: String, captureTimeMs: Int64, agentTimeMs: Int64, receivedAtMs: Int64, trackID: Int64,
        box: (Int, Int, Int, Int)?, zone: String?, confidencePermille: Int, attributes: String, snapshot: String?
    ) {
        self.agentID = agentID
        self.eventID = eventID
        self.lifecycleID = lifecycleID
        self.batchSeq = batchSeq
        self.cameraID = cameraID
        self.districtID = districtID
        self.kind = kind
        self.phase = phase
        self.severity = severity
        severityRank = Severity(rawValue: severity)?.rank ?? 0
        self.captureTimeMs = captureTimeMs
        self.agentTimeMs = agentTimeMs
        self.receivedAtMs = receivedAtMs
        self.trackID = trackID
        (boxX, boxY, boxWidth, boxHeight) = (box?.0, box?.1, box?.2, box?.3)
        self.zone = zone
        self.confidencePermille = confidencePermille
        self.attributes = attributes
        self.snapshot = snapshot
    }

    /// Back to the model (for queries).
    func stored() throws -> StoredEvent {
        let kind = EventKind(rawValue: kind)
        let attributes = try Attributes(jsonObject: self.attributes, kind: kind)
        var box: BoundingBox?
        if let x = boxX, let y = boxY, let w = boxWidth, let h = boxHeight {
            box = BoundingBox(xUnits: UInt16(clamping: x), yUnits: UInt16(clamping: y), widthUnits: UInt16(clamping: w), heightUnits: UInt16(clamping: h))
        }
        let event = Event(
            id: UInt64(bitPattern: eventID), lifecycleID: UInt64(bitPattern: lifecycleID), cameraID: cameraID, kind: kind,
            phase: EventPhase(rawValue: phase) ?? .start, captureTimeMs: captureTimeMs, agentTimeMs: agentTimeMs,
            trackID: UInt64(bitPattern: trackID), box: box, zone: zone, confidence: Confidence(permille: UInt16(clamping: confidencePermille)),
            severity: Severity(rawValue: severity), attributes: attributes, snapshot: snapshot)
        return StoredEvent(agentID: agentID, batchSeq: UInt64(bitPattern: batchSeq), district: districtID, receivedAtMs: receivedAtMs, event: event)
    }
}
