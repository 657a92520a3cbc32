import Foundation
import Shared
import Testing

@Suite struct BatchRoundTripTests {
    let encoder = BatchEncoder()
    let decoder = BatchDecoder()

    @Test(arguments: EventKindRegistry.standard.descriptors.map(\.kind) + ["helmet_missing", "sluice_gate_open"])
    func everyKind_survivesRoundTrip(kind: EventKind) throws {
        let events = EventPhase.allCases.enumerated().map { i, phase in
            var e = Event.stub(id: UInt64(10 + i), kind: kind, phase: phase)
            e.lifecycleID = 10
            return e
        }
        let batch = EventBatch(agentID: "agent-1", batchSeq: 3, events: events)
        let back = try decoder.decode(try encoder.encode(batch))
        #expect(back.events == events)
        #expect(back.events.map(\.kind) == Array(repeating: kind, count: 3))
    }

    @Test func everyAttributeType_survivesRoundTrip() throws {
        let attributes: Attributes = [
            "int": .int(-42), "big": .int(Int64.max), "small": .int(Int64.min), "double": .double(0.1 + 0.2),
            "milli": .double(183.5), "negative_zero": .double(-0.0), "huge": .double(1e300), "nan_free": .double(-7.125),
            "yes": .bool(true), "no": .bool(false), "text": .string("über-straße ✓"), "empty": .string(""),
        ]
        let events = [Event.stub(attributes: attributes), Event.stub(id: 2, attributes: [:])]
        let back = try decoder.decode(try encoder.encode(EventBatch(agentID: "a", batchSeq: 1, events: events)))
        #expect(back.events == events)
        #expect(back.events[0].attributes["negative_zero"] == .double(-0.0))
        if case .double(let v) = back.events[0].attributes["negative_zero"] { #expect(v.sign == .minus) }
    }

    @Test func optionalFields_staySparse() throws {
        let bare = Event(id: 5, cameraID: "c", kind: .videoLoss, captureTimeMs: 1_000)
        let back = try decoder.decode(try encoder.encode(EventBatch(agentID: "a", batchSeq: 1, events: [bare])))
        #expect(back.events == [bare])
        #expect(back.events[0].box == nil && back.events[0].zone == nil && back.events[0].snapshot == nil)
    }

    @Test func batchHeader_evictionsAndCommandResults_survive() throws {
        let batch = EventBatch(
            agentID: "agent-river-7", batchSeq: 1 << 40, createdAtMs: 1_790_000_000_123,
            evicted: EvictionReport(events: 12, snapshots: 3, eventsBySeverity: [.info: 10, .low: 2], oldestCaptureMs: 5, newestCaptureMs: 9),
            events: [], commandResults: [CommandResult(commandID: "cmd-1", status: .failed, message: "camera offline", finishedAtMs: 77)],
            agentVersion: "9.9.9")
        let back = try decoder.decode(try encoder.encode(batch))
        #expect(back == batch)
    }

    @Test func ack_roundTripsWithCommands() throws {
        let ack = BatchAck(
            agentID: "a", committedSeq: 41, serverTimeMs: 123,
            commands: [Command(id: "c1", type: "set_profile", cameraID: "cam-3", arguments: ["profile": "flood-watch"], issuedAtMs: 1, expiresAtMs: 2)],
            duplicate: true, storedEvents: 0)
        #expect(try BatchAck(serializedBytes: ack.serializedBytes()) == ack)
    }

    @Test func largeBatch_ofSyntheticEvents_roundTrips() throws {
        var generator = SyntheticEventGenerator()
        let events = generator.next(count: 5_000)
        let back = try decoder.decode(try encoder.encode(EventBatch(agentID: "a", batchSeq: 1, events: events)))
        #expect(back.events == events)
        #expect(Set(events.map(\.kind)).count >= 10)
    }

    @Test func mediaTypes_areCheckedWith415() throws {
        try BatchMediaType.check(contentType: "application/vnd.citywatch.batch.v1+protobuf; charset=binary", contentEncoding: "zstd")
        let wrongType = #expect(throws: BatchError.self) {
            try BatchMediaType.check(contentType: "application/json", contentEncoding: "zstd")
        }
        #expect(wrongType?.httpStatus == 415)
        let wrongEncoding = #expect(throws: BatchError.self) {
            try BatchMediaType.check(contentType: BatchMediaType.contentType, contentEncoding: "gzip")
        }
        #expect(wrongEncoding?.httpStatus == 415)
    }
}
