import Shared
import SwiftProtobuf

/// The one-message-per-event layout the columnar wire format was measured against.
enum RowLayout {
    static func encode(_ batch: EventBatch) throws -> [UInt8] {
        var m = Citywatch_Bench_RowBatch()
        m.agentID = batch.agentID
        m.batchSeq = batch.batchSeq
        m.events = batch.events.map { e in
            var r = Citywatch_Bench_RowEvent()
            r.eventID = e.id
            r.lifecycleID = e.lifecycleID
            r.cameraID = e.cameraID
            r.kind = e.kind.rawValue
            r.phase = UInt32(EventPhase.allCases.firstIndex(of: e.phase)!)
            r.captureTimeMs = e.captureTimeMs
            r.agentTimeOffsetMs = e.agentTimeMs - e.captureTimeMs
            r.trackID = e.trackID
            if let b = e.box { r.box = [UInt32(b.xUnits), UInt32(b.yUnits), UInt32(b.widthUnits), UInt32(b.heightUnits)] }
            r.zone = e.zone ?? ""
            r.confidencePermille = UInt32(e.confidence.permille)
            r.severity = UInt32(e.severity.rank)
            r.attributes = e.attributes.map { key, value in
                var a = Citywatch_Bench_RowAttribute()
                a.key = key
                switch value {
                case .int(let v): a.intValue = v
                case .double(let v): a.doubleValue = v
                case .bool(let v): a.boolValue = v
                case .string(let v): a.stringValue = v
                }
                return a
            }
            r.snapshot = e.snapshot ?? ""
            return r
        }
        return try m.serializedBytes()
    }

    static func decode(_ bytes: [UInt8]) throws -> [Event] {
        let m = try Citywatch_Bench_RowBatch(serializedBytes: bytes)
        return m.events.map { r in
            var attributes = Attributes()
            for a in r.attributes {
                switch a.value {
                case .intValue(let v): attributes[a.key] = .int(v)
                case .doubleValue(let v): attributes[a.key] = .double(v)
                case .boolValue(let v): attributes[a.key] = .bool(v)
                case .stringValue(let v): attributes[a.key] = .string(v)
                case nil: break
                }
            }
            return Event(
                id: r.eventID, lifecycleID: r.lifecycleID, cameraID: r.cameraID, kind: EventKind(rawValue: r.kind),
                phase: EventPhase.allCases[Int(min(r.phase, 2))], captureTimeMs: r.captureTimeMs,
                agentTimeMs: r.captureTimeMs + r.agentTimeOffsetMs, trackID: r.trackID,
                box: r.box.count == 4
                    ? BoundingBox(xUnits: UInt16(r.box[0]), yUnits: UInt16(r.box[1]), widthUnits: UInt16(r.box[2]), heightUnits: UInt16(r.box[3]))
                    : nil,
                zone: r.zone.isEmpty ? nil : r.zone, confidence: Confidence(permille: UInt16(min(r.confidencePermille, 1000))),
                severity: Severity(rank: Int(r.severity)), attributes: attributes,
                snapshot: r.snapshot.isEmpty ? nil : r.snapshot)
        }
    }
}
