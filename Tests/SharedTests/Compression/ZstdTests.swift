import Foundation
import Shared
import Testing

@Suite struct ZstdTests {
    @Test func compressDecompress_roundTripsWithAndWithoutDictionary() throws {
        var generator = SyntheticEventGenerator()
        let samples = (1...100).map { i in
            BatchEncoder.protobufBytes(of: EventBatch(agentID: "a", batchSeq: UInt64(i), events: generator.next(count: 5)))
        }
        let dictionaryBytes = try ZstdDictionaryTrainer.train(samples: samples, capacity: 8192)
        let dictionary = try ZstdDictionary(bytes: dictionaryBytes)
        #expect(dictionary.id != 0)
        #expect(dictionaryBytes.count <= 8192)

        let payload = BatchEncoder.protobufBytes(of: EventBatch(agentID: "a", batchSeq: 500, events: generator.next(count: 5)))
        let plain = try ZstdCompressor().compress(payload)
        let primed = try ZstdCompressor(dictionary: dictionary).compress(payload)
        #expect(try ZstdDecompressor().decompress(plain) == payload)
        #expect(try ZstdDecompressor(dictionaries: [dictionary]).decompress(primed) == payload)
        // The point of a dictionary: small batches shrink a lot.
        #expect(primed.count < plain.count * 3 / 4, "dictionary gave \(primed.count) vs \(plain.count) bytes")
    }

    @Test func emptyInput_roundTrips() throws {
        let frame = try ZstdCompressor().compress([])
        #expect(try ZstdDecompressor().decompress(frame) == [])
    }

    @Test func training_needsEnoughSamples() {
        #expect(throws: CompressionError.self) { try ZstdDictionaryTrainer.train(samples: [[1, 2, 3]]) }
    }

    @Test func garbageDictionary_isRefused() {
        #expect(throws: CompressionError.self) { try ZstdDictionary(bytes: Array(repeating: 7, count: 100)) }
    }

    @Test func outputExactlyAtLimit_isAccepted() throws {
        let payload = [UInt8](repeating: 42, count: 4096)
        let frame = try ZstdCompressor().compress(payload)
        #expect(try ZstdDecompressor(limits: .init(maxOutputBytes: 4096)).decompress(frame) == payload)
        #expect(throws: CompressionError.self) { try ZstdDecompressor(limits: .init(maxOutputBytes: 4095)).decompress(frame) }
    }
}
