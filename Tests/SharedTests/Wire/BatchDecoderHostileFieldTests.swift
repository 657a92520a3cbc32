import Foundation
import Shared
import Testing
import TestSupport

/// Inputs found by review and fuzzing: each must be refused (or saturate) without trapping.
@Suite struct BatchDecoderHostileFieldTests {
    /// events_by_severity = [0, 0, 0, 0, UInt64.max, 1]: rank 4 and an unknown rank 5 both count as
    /// critical; their sum must saturate, not trap.
    @Test func evictionCountsOverflowing_saturate() throws {
        let bytes: [UInt8] = [
            0x0A, 0x01, 0x61, 0x10, 0x01, 0x2A, 0x11, 0x1A, 0x0F, 0x00, 0x00, 0x00, 0x00,
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x01,
        ]
        let batch = try BatchDecoder().decodeProtobuf(bytes)
        #expect(batch.evicted.eventsBySeverity[.critical] == .max)
    }

    @Test func tooManySeverityBuckets_areRefused() throws {
        var bytes: [UInt8] = [0x0A, 0x01, 0x61, 0x10, 0x01, 0x2A, 0x13, 0x1A, 0x11]
        bytes += [UInt8](repeating: 0x01, count: 17)
        let error = #expect(throws: BatchError.self) { try BatchDecoder().decodeProtobuf(bytes) }
        #expect(error?.field == "evicted.events_by_severity")
    }

    /// A batch whose `count` is missing but whose columns hold events must not be acked as empty.
    @Test func zeroCountWithColumns_isRefused() throws {
        let raw = BatchEncoder.protobufBytes(of: EventBatch(agentID: "a", batchSeq: 1, events: [Event.stub()]))
        var m = try Citywatch_V1_EventBatchProbe(raw)
        m.clearCount()
        let error = #expect(throws: BatchError.self) { try BatchDecoder().decodeProtobuf(m.bytes) }
        #expect(error?.field == "events.count")
    }

    @Test func shortAndOverlongColumns_nameTheColumn() throws {
        // An event flagged with a box whose box column is empty: append flags=[1] in place of [0].
        let boxless = Event(id: 1, cameraID: "c", kind: .fire, captureTimeMs: 9)
        var probe = try Citywatch_V1_EventBatchProbe(BatchEncoder.protobufBytes(of: EventBatch(agentID: "a", batchSeq: 1, events: [boxless])))
        probe.setFlags([1])
        let short = #expect(throws: BatchError.self) { try BatchDecoder().decodeProtobuf(probe.bytes) }
        #expect(short?.field == "events.box[0]")
        #expect(short?.message.contains("too short") == true)

        // A box entry that belongs to no event.
        probe = try Citywatch_V1_EventBatchProbe(BatchEncoder.protobufBytes(of: EventBatch(agentID: "a", batchSeq: 1, events: [boxless])))
        probe.setBox([1, 2, 3, 4])
        let extra = #expect(throws: BatchError.self) { try BatchDecoder().decodeProtobuf(probe.bytes) }
        #expect(extra?.field == "events.box")
        #expect(extra?.message.contains("belong to no event") == true)
    }

    @Test func decreasingEventIDs_areRefused() throws {
        var probe = try Citywatch_V1_EventBatchProbe(BatchEncoder.protobufBytes(of: EventBatch(
            agentID: "a", batchSeq: 1, events: [Event.stub(id: 5), Event.stub(id: 6)])))
        probe.setEventIDDeltas([5, -1])
        let error = #expect(throws: BatchError.self) { try BatchDecoder().decodeProtobuf(probe.bytes) }
        #expect(error?.field == "events.event_id_delta[1]")
    }

    /// Legacy (v0.7) and skippable frames are not current zstd frames: refused before zstd sees them.
    @Test func legacyAndSkippableFrames_areRefused() {
        let legacy: [UInt8] = [0x27, 0xB5, 0x2F, 0xFD] + [UInt8](repeating: 0, count: 32)
        let skippable: [UInt8] = [0x50, 0x2A, 0x4D, 0x18, 0x04, 0, 0, 0, 1, 2, 3, 4]
        for frame in [legacy, skippable] {
            let error = #expect(throws: BatchError.self) { try BatchDecoder().decode(frame) }
            #expect(error?.codeName == "bad_compression")
        }
    }

    @Test func unboundedStringsOutsideEvents_areRefused() throws {
        let long = String(repeating: "v", count: 300)
        let version = BatchEncoder.protobufBytes(of: EventBatch(agentID: "a", batchSeq: 1, events: [], agentVersion: long))
        #expect(#expect(throws: BatchError.self) { try BatchDecoder().decodeProtobuf(version) }?.field == "agent_version")
        let result = BatchEncoder.protobufBytes(of: EventBatch(
            agentID: "a", batchSeq: 1, events: [], commandResults: [CommandResult(commandID: "c", status: .failed, message: long)]))
        #expect(#expect(throws: BatchError.self) { try BatchDecoder().decodeProtobuf(result) }?.field == "command_results[0].message")
    }

    /// Mutations of valid batches reach deep into the decoder (random bytes stop at the header).
    @Test func mutatedValidBatches_neverCrash() throws {
        var generator = SyntheticEventGenerator()
        let seeds = (1...20).map { i in
            BatchEncoder.protobufBytes(of: EventBatch(agentID: "agent-1", batchSeq: UInt64(i), events: generator.next(count: 30)))
        }
        var random = SplitMix64(seed: 11)
        let decoder = BatchDecoder()
        var decoded = 0, refused = 0
        for round in 0..<6_000 {
            var bytes = seeds[round % seeds.count]
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let at = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes[at] = UInt8.random(in: 0...255, using: &random)
                case 1: bytes.remove(at: at)
                default: bytes.insert(UInt8.random(in: 0...255, using: &random), at: at)
                }
            }
            do {
                _ = try decoder.decodeProtobuf(bytes)
                decoded += 1
            } catch {
                refused += 1
            }
        }
        #expect(decoded > 0, "some mutations (in values) should still decode: the loop must reach past parsing")
        #expect(refused > 1_000, "mutations should break most batches")
    }

    @Test func streamingOutputExactlyAtLimit_isAccepted() throws {
        let frame = ZstdBomb.make(expandedBytes: 256 * 1024, declareSize: false)
        #expect(try ZstdDecompressor(limits: .init(maxOutputBytes: 256 * 1024)).decompress(frame).count == 256 * 1024)
        #expect(throws: CompressionError.self) {
            try ZstdDecompressor(limits: .init(maxOutputBytes: 256 * 1024 - 1)).decompress(frame)
        }
    }

    @Test func encoder_refusesWhatTheDecoderWould() {
        let encoder = BatchEncoder()
        let cases: [(Event, String)] = [
            (Event(id: 1, cameraID: "", kind: .fire, captureTimeMs: 1), "events.camera[0]"),
            (Event(id: 1, cameraID: "c", kind: "", captureTimeMs: 1), "events.kind[0]"),
            (Event(id: 1, cameraID: "c", kind: .fire, captureTimeMs: 1, zone: ""), "events.zone[0]"),
            (Event(id: 0, cameraID: "c", kind: .fire, captureTimeMs: 1), "events.event_id_delta[0]"),
            (Event(id: 2, lifecycleID: 3, cameraID: "c", kind: .fire, captureTimeMs: 1), "events.lifecycle_back[0]"),
            (Event(id: 1, cameraID: "c", kind: .fire, captureTimeMs: -5), "events.capture_time_delta_ms[0]"),
            (Event(id: 1, cameraID: String(repeating: "c", count: 300), kind: .fire, captureTimeMs: 1), "events.camera[0]"),
        ]
        for (event, field) in cases {
            let error = #expect(throws: BatchError.self) { try encoder.encode(EventBatch(agentID: "a", batchSeq: 1, events: [event])) }
            #expect(error?.field == field)
        }
    }
}
