@testable import Shared
import SwiftProtobuf
import Testing

/// The hand-written `EventColumns` writer against the protobuf library: the same bytes for the
/// same batch, whatever the batch holds.
@Suite struct ColumnarWireWriterTests {
    /// The whole batch serialised by the library (the reference).
    static func library(_ batch: EventBatch) throws -> [UInt8] {
        var m = Citywatch_V1_EventBatch()
        m.agentID = batch.agentID
        m.batchSeq = batch.batchSeq
        m.dictionaryID = batch.dictionaryID
        m.createdAtMs = batch.createdAtMs
        if !batch.evicted.isEmpty { m.evicted = batch.evicted.wire }
        m.events = message(ColumnarEncoder.columns(batch.events))
        m.commandResults = batch.commandResults.map(\.wire)
        m.agentVersion = batch.agentVersion
        if let health = batch.health { m.health = health.wire }
        return try m.serializedBytes() + batch.unknownFields
    }

    /// The columns as the library's message.
    static func message(_ columns: ColumnarEncoder.Columns) -> Citywatch_V1_EventColumns {
        var c = Citywatch_V1_EventColumns()
        c.count = columns.count
        c.strings = columns.strings
        c.eventIDDelta = columns.eventIDDelta
        c.lifecycleBack = columns.lifecycleBack
        c.camera = columns.camera
        c.kind = columns.kind
        c.phase = columns.phase.map { Citywatch_V1_Phase(rawValue: Int($0)) ?? .start }
        c.captureTimeDeltaMs = columns.captureTimeDeltaMs
        c.agentTimeOffsetMs = columns.agentTimeOffsetMs
        c.trackID = columns.trackID
        c.flags = columns.flags
        c.box = columns.box
        c.zone = columns.zone
        c.confidencePermille = columns.confidencePermille
        c.severity = columns.severity.map { Citywatch_V1_Severity(rawValue: Int($0)) ?? .info }
        c.attributeCount = columns.attributeCount
        c.attributeKeyType = columns.attributeKeyType
        c.attributeInt = columns.attributeInt
        c.attributeDouble = columns.attributeDouble
        c.attributeDecimalMilli = columns.attributeDecimalMilli
        c.attributeString = columns.attributeString
        c.snapshot = columns.snapshot
        return c
    }

    @Test(arguments: [0, 1, 2, 17, 1_000])
    func generatedBatches_serialiseAsTheLibraryDoes(count: Int) throws {
        var c = SyntheticEventGenerator.Configuration()
        c.seed = UInt64(count + 1)
        var generator = SyntheticEventGenerator(configuration: c)
        let batch = EventBatch(agentID: "agent-7", batchSeq: 42, events: generator.next(count: count))
        #expect(BatchEncoder.protobufBytes(of: batch) == (try Self.library(batch)))
    }

    /// Every optional part and odd value: negative and huge deltas, every attribute type,
    /// doubles that are and are not exact thousandths, an eviction report, command results, a
    /// health report, a version and unknown fields from a newer writer.
    @Test func everyPartAndOddValues_serialiseAsTheLibraryDoes() throws {
        var events = [
            Event(id: 5, cameraID: "cam-é", kind: .intrusion, captureTimeMs: 1_000),
            Event(id: 6, lifecycleID: 5, cameraID: "cam-é", kind: .loitering, phase: .end, captureTimeMs: -7, agentTimeMs: Int64.max, trackID: .max,
                  box: BoundingBox(xUnits: 10_000, yUnits: 0, widthUnits: 1, heightUnits: 9_999), zone: "z", snapshot: "s/1.jpg"),
            Event(id: UInt64(Int64.max), cameraID: "c", kind: EventKind(rawValue: "custom_kind"), captureTimeMs: Int64.min + 1),
        ]
        events[0].attributes = ["i": .int(-1), "big": .int(.min), "d": .double(1.0 / 3.0), "m": .double(2.5), "neg0": .double(-0.0),
                                "t": .bool(true), "f": .bool(false), "s": .string("δ"), "empty": .string("")]
        var batch = EventBatch(agentID: "a", batchSeq: BatchLimits.maxBatchSeq, events: events)
        batch.dictionaryID = 7
        batch.createdAtMs = -3
        batch.evicted = EvictionReport(events: 3, snapshots: 1, eventsBySeverity: [.low: 3], oldestCaptureMs: 1, newestCaptureMs: 2)
        batch.commandResults = [CommandResult(commandID: "c1", status: .done, message: "ok", finishedAtMs: 9)]
        batch.agentVersion = "1.2.3"
        batch.health = AgentHealth(sampledAtMs: 1, oldestEventAgeMs: 5, tamperedCameras: ["cam-1"])
        batch.unknownFields = [0xF8, 0x06, 0x01]  // field 111, varint 1
        #expect(BatchEncoder.protobufBytes(of: batch) == (try Self.library(batch)))
    }
}
