import Shared
import SwiftProtobuf

/// The event inside a spool record of format 2: one `SpoolEvent` protobuf row
/// (Proto/citywatch/spool/v1/record.proto, docs/SPOOL.md).
///
/// Format 1 kept each event as a one-event wire batch, in columns. Decoding that cost the shipper
/// about 8 µs per event, two fifths of its CPU while draining a backlog (`perf` during `bench
/// drain`): columns pay off for many events, not for one. Rows are written with the protobuf
/// library and read by `SpoolEventReader`, which parses them by hand (why: see there).
enum SpoolEventCodec {
    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    static func encode(_ event: Event) -> [UInt8] {
        var m = Citywatch_Spool_V1_SpoolEvent()
        m.lifecycleBack = event.id &- event.lifecycleID
        m.cameraID = event.cameraID
        m.kind = event.kind.rawValue
        m.phase = UInt32(EventPhase.allCases.firstIndex(of: event.phase) ?? 0)
        m.captureTimeMs = event.captureTimeMs
        m.agentTimeOffsetMs = event.agentTimeMs &- event.captureTimeMs
        m.trackID = event.trackID
        if let box = event.box {
            m.box = [UInt32(box.xUnits), UInt32(box.yUnits), UInt32(box.widthUnits), UInt32(box.heightUnits)]
        }
        if let zone = event.zone { m.zone = zone }
        m.confidencePermille = UInt32(event.confidence.permille)
        m.severity = UInt32(event.severity.rank)
        m.attributes = event.attributes.map { key, value in
            var a = Citywatch_Spool_V1_SpoolAttribute()
            a.key = key
            switch value {
            case .int(let v): a.intValue = v
            case .double(let v): a.doubleValue = v
            case .bool(let v): a.boolValue = v
            case .string(let v): a.stringValue = v
            }
            return a
        }
        if let snapshot = event.snapshot { m.snapshot = snapshot }
        // Serialising a fully initialised proto3 message cannot fail.
        return (try? m.serializedBytes()) ?? []
    }

    /// The event with id `id` from `bytes`; throws `Invalid`, a protobuf error or a `BatchError` for
    /// what this codec never writes or the wire would refuse, which the spool counts as a corrupt
    /// record.
    static func decode(id: UInt64, _ bytes: ArraySlice<UInt8>) throws -> Event {
        try event(id: id, SpoolEventReader.read(bytes))
    }

    /// The event a parsed row describes (the checks of `decode`).
    static func event(id: UInt64, _ m: SpoolEventReader.Row) throws -> Event {
        guard m.lifecycleBack < id else { throw Invalid(description: "lifecycle before event id 1") }
        guard Int(m.phase) < EventPhase.allCases.count else { throw Invalid(description: "phase \(m.phase)") }
        guard let severity = Severity(rank: Int(m.severity)) else { throw Invalid(description: "severity \(m.severity)") }
        guard m.confidencePermille <= 1000 else { throw Invalid(description: "confidence \(m.confidencePermille)") }
        let (agentTime, overflow) = m.captureTimeMs.addingReportingOverflow(m.agentTimeOffsetMs)
        guard !overflow else { throw Invalid(description: "agent time out of range") }
        var box: BoundingBox?
        if !m.box.isEmpty {
            let scale = UInt32(BoundingBox.scale)
            guard m.box.count == 4, m.box.allSatisfy({ $0 <= scale }) else { throw Invalid(description: "box \(m.box)") }
            box = BoundingBox(xUnits: UInt16(m.box[0]), yUnits: UInt16(m.box[1]), widthUnits: UInt16(m.box[2]), heightUnits: UInt16(m.box[3]))
        }
        var attributes = Attributes()
        attributes.reserveCapacity(m.attributes.count)
        for a in m.attributes {
            guard attributes[a.key] == nil else { throw Invalid(description: "attribute \(a.key) twice") }
            switch a.value {
            case .int(let v): attributes.appendUnchecked(key: a.key, value: .int(v))
            case .double(let v): attributes.appendUnchecked(key: a.key, value: .double(Double(bitPattern: v)))
            case .bool(let v): attributes.appendUnchecked(key: a.key, value: .bool(v))
            case .string(let v): attributes.appendUnchecked(key: a.key, value: .string(v))
            case nil: throw Invalid(description: "attribute \(a.key) without a value")
            }
        }
        let event = Event(
            id: id, lifecycleID: id - m.lifecycleBack, cameraID: m.cameraID, kind: EventKind(rawValue: m.kind),
            phase: EventPhase.allCases[Int(m.phase)], captureTimeMs: m.captureTimeMs, agentTimeMs: agentTime, trackID: m.trackID,
            box: box, zone: m.zone, confidence: Confidence(permille: UInt16(m.confidencePermille)),
            severity: severity, attributes: attributes, snapshot: m.snapshot)
        // What the aggregator would refuse (empty names, over-long strings, NaN ...; as format 1's
        // decoder did): skipped here alone, not found by the shipper's encoder, which would have to
        // dead-letter the whole batch. The checks above are only those it cannot make on an `Event`.
        try limits.validate(event)
        return event
    }

    private static let limits = BatchLimits()
}
