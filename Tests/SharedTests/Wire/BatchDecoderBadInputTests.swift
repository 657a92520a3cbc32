import Foundation
import Shared
import Testing
import TestSupport

/// Hostile and broken bodies: each gets its typed error and HTTP status, never a crash.
@Suite struct BatchDecoderBadInputTests {
    let encoder = BatchEncoder()

    func body(_ events: [Event] = [Event.stub()], seq: UInt64 = 1) throws -> [UInt8] {
        try encoder.encode(EventBatch(agentID: "agent-1", batchSeq: seq, events: events))
    }

    /// A body the encoder would refuse to make (it validates), compressed as is.
    func unchecked(_ batch: EventBatch) throws -> [UInt8] {
        try ZstdCompressor().compress(BatchEncoder.protobufBytes(of: batch))
    }

    func refusal(_ decoder: BatchDecoder = BatchDecoder(), _ bytes: [UInt8]) -> BatchError? {
        #expect(throws: BatchError.self) { try decoder.decode(bytes) }
    }

    @Test func randomBytes_areRefusedWith400() {
        var random = SplitMix64(seed: 1)
        let decoder = BatchDecoder()
        for length in 0..<1_500 {
            let bytes = (0..<(length % 300)).map { _ in UInt8.random(in: 0...255, using: &random) }
            let error = refusal(decoder, bytes)
            #expect(error?.httpStatus == 400)
        }
    }

    @Test func randomProtobufBytes_neverCrash() {
        var random = SplitMix64(seed: 2)
        let decoder = BatchDecoder()
        var refused = 0
        for _ in 0..<3_000 {
            let bytes = (0..<Int.random(in: 0...200, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            do { _ = try decoder.decodeProtobuf(bytes) } catch { refused += 1 }
        }
        #expect(refused > 2_500)
    }

    @Test func truncatedFrames_areRefusedWith400() throws {
        let full = try body((1...50).map { Event.stub(id: UInt64($0)) })
        let decoder = BatchDecoder()
        for cut in stride(from: 0, to: full.count - 1, by: 3) {
            let error = refusal(decoder, Array(full.prefix(cut)))
            #expect(error?.httpStatus == 400, "cut at \(cut)")
        }
    }

    @Test func flippedBytes_failTheChecksumOrDecode() throws {
        let full = try body((1...20).map { Event.stub(id: UInt64($0)) })
        let decoder = BatchDecoder()
        for position in stride(from: 6, to: full.count, by: 5) {
            var damaged = full
            damaged[position] ^= 0x40
            let error = refusal(decoder, damaged)
            #expect(error.map { [400, 413].contains($0.httpStatus) } == true)
        }
    }

    @Test func trailingSecondFrame_isRefused() throws {
        let one = try body()
        let error = refusal(BatchDecoder(), one + one)
        #expect(error?.codeName == "bad_compression")
    }

    @Test func wrongDictionary_isRefusedWith415() throws {
        var generator = SyntheticEventGenerator()
        let samples = (1...60).map { i in
            BatchEncoder.protobufBytes(of: EventBatch(agentID: "a", batchSeq: UInt64(i), events: generator.next(count: 10)))
        }
        let dictionary = try ZstdDictionary(bytes: try ZstdDictionaryTrainer.train(samples: samples, capacity: 4096))
        let compressed = try BatchEncoder(dictionary: dictionary).encode(EventBatch(agentID: "a", batchSeq: 1, events: generator.next(count: 10)))
        #expect(ZstdDecompressor.dictionaryID(of: compressed) == dictionary.id)

        let error = refusal(BatchDecoder(), compressed)
        #expect(error?.httpStatus == 415)
        #expect(error?.codeName == "unknown_dictionary")
        #expect(error?.message.contains("\(dictionary.id)") == true)

        let decoded = try BatchDecoder(dictionaries: [dictionary]).decode(compressed)
        #expect(decoded.events.count == 10)
        #expect(decoded.dictionaryID == dictionary.id)
    }

    @Test func oversizedCompressedBody_isRefusedWith413BeforeDecompressing() throws {
        let decoder = BatchDecoder(limits: BatchLimits(maxCompressedBytes: 64))
        let error = refusal(decoder, try body((1...40).map { Event.stub(id: UInt64($0)) }))
        #expect(error?.httpStatus == 413)
        #expect(error?.codeName == "compressed_too_large")
    }

    @Test func tooManyEvents_isRefusedWith413() throws {
        let decoder = BatchDecoder(limits: BatchLimits(maxEvents: 10))
        let error = refusal(decoder, try body((1...11).map { Event.stub(id: UInt64($0)) }))
        #expect(error?.httpStatus == 413)
        #expect(error?.codeName == "too_many_events")
    }

    /// U+0000 is valid UTF-8 but no store's text takes it: refused at the door, naming the field,
    /// by the aggregator's decoder and by the agent's own validation.
    @Test func nulInAString_isRefusedWith400NamingTheField() throws {
        for event in [Event.stub(camera: "cam\u{0}1"), Event.stub(attributes: ["note": .string("a\u{0}b")])] {
            let error = refusal(BatchDecoder(), try unchecked(EventBatch(agentID: "agent-1", batchSeq: 1, events: [event])))
            #expect(error?.httpStatus == 400)
            #expect(error?.field?.hasPrefix("events.strings[") == true)
            #expect("\(error.map { "\($0)" } ?? "")".contains("NUL"))
            #expect(throws: BatchError.self) { try BatchLimits().validate(EventBatch(agentID: "agent-1", batchSeq: 1, events: [event])) }
        }
        var version = EventBatch(agentID: "agent-1", batchSeq: 1, events: [])
        version.agentVersion = "1.0\u{0}"
        #expect(refusal(BatchDecoder(), try unchecked(version))?.field == "agent_version")
    }

    @Test func oversizedStrings_areRefusedWith400NamingTheField() throws {
        let longCamera = Event.stub(camera: String(repeating: "c", count: 257))
        let error = refusal(BatchDecoder(), try unchecked(EventBatch(agentID: "agent-1", batchSeq: 1, events: [longCamera])))
        #expect(error?.httpStatus == 400)
        #expect(error?.field?.hasPrefix("events.strings[") == true)

        var manyAttributes = Attributes()
        for i in 0..<33 { manyAttributes["a\(i)"] = .int(Int64(i)) }
        let error2 = refusal(BatchDecoder(), try unchecked(EventBatch(agentID: "a", batchSeq: 1, events: [Event.stub(attributes: manyAttributes)])))
        #expect(error2?.field == "events.attribute_count[0]")

        let longAgent = try unchecked(EventBatch(agentID: String(repeating: "a", count: 129), batchSeq: 1, events: []))
        #expect(refusal(BatchDecoder(), longAgent)?.field == "agent_id")
    }

    @Test func missingAgentOrSequence_isRefusedWith400() throws {
        #expect(refusal(BatchDecoder(), try unchecked(EventBatch(agentID: "", batchSeq: 1, events: [])))?.field == "agent_id")
        #expect(refusal(BatchDecoder(), try unchecked(EventBatch(agentID: "a", batchSeq: 0, events: [])))?.field == "batch_seq")
        // Stores keep batch_seq as a signed 64-bit integer: above Int64.max is refused on both ends.
        let huge = EventBatch(agentID: "a", batchSeq: UInt64(Int64.max) + 1, events: [])
        #expect(refusal(BatchDecoder(), try unchecked(huge))?.field == "batch_seq")
        #expect(throws: BatchError.self) { try BatchLimits().validate(huge) }
        #expect(try BatchDecoder().decode(try unchecked(EventBatch(agentID: "a", batchSeq: UInt64(Int64.max), events: []))).batchSeq == UInt64(Int64.max))
    }

    /// NaN and infinities have no JSON form (the store and the API would fail on them): refused
    /// with the field named, by the decoder and by the agent's own validation.
    @Test(arguments: [Double.nan, .infinity, -.infinity])
    func nonFiniteAttribute_isRefusedWith400(value: Double) throws {
        let batch = EventBatch(agentID: "a", batchSeq: 1, events: [Event.stub(id: 1), Event.stub(id: 2, attributes: ["level_cm": .double(value)])])
        let error = refusal(BatchDecoder(), try unchecked(batch))
        #expect(error?.httpStatus == 400)
        #expect(error?.field == "events.attribute_double[1]")
        #expect(throws: BatchError.self) { try BatchLimits().validate(batch) }
    }

    /// A frame that declares 2 GiB of content is refused from its header, before any allocation.
    /// (Memory under a bomb is measured on a real process in `BatchInspectCommandTests`.)
    @Test func bombDeclaringItsSize_isRefusedWith413() {
        let bomb = ZstdBomb.make(expandedBytes: 2 << 30, declareSize: true)
        #expect(bomb.count < 100_000)
        let error = refusal(BatchDecoder(), bomb)
        #expect(error?.httpStatus == 413)
        #expect(error?.codeName == "decompressed_too_large")
        #expect(error?.message.contains("declares 2147483648 bytes") == true)
    }

    /// A frame of unknown size that expands to 2 GiB is stopped once it passes the limit.
    @Test func streamingBomb_isStoppedAtTheLimit() {
        let bomb = ZstdBomb.make(expandedBytes: 2 << 30, declareSize: false)
        let error = refusal(BatchDecoder(limits: BatchLimits(maxDecompressedBytes: 1 << 20)), bomb)
        #expect(error?.httpStatus == 413)
        #expect(error?.message.contains("more than the 1048576-byte limit") == true)
    }

    /// The same bomb shape, small enough to be legitimate, decodes to zeros: the bombs are valid zstd.
    @Test func bombShape_isValidZstd() throws {
        let frame = ZstdBomb.make(expandedBytes: 256 * 1024, declareSize: false)
        #expect(try ZstdDecompressor().decompress(frame) == [UInt8](repeating: 0, count: 256 * 1024))
    }

    /// A frame that needs a 256 MiB window is refused (window log capped at 23).
    @Test func hugeWindow_isRefusedWith413() {
        let bomb = ZstdBomb.make(expandedBytes: 512 * 1024, declareSize: false, windowLog: 28)
        let error = refusal(BatchDecoder(), bomb)
        #expect(error?.httpStatus == 413)
        #expect(error?.message.contains("2^23") == true)
    }

    @Test func inconsistentColumns_nameTheColumn() throws {
        // A second `events` chunk merges into the first: its flags entry makes the flags column one
        // longer than the event count.
        var raw = BatchEncoder.protobufBytes(of: EventBatch(agentID: "a", batchSeq: 1, events: [Event(id: 1, cameraID: "c", kind: .fire, captureTimeMs: 9)]))
        raw += [0x32, 0x03, 0x5A, 0x01, 0x01]
        let error = #expect(throws: BatchError.self) { try BatchDecoder().decodeProtobuf(raw) }
        #expect(error?.field == "events.flags")
    }
}
