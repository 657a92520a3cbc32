import Foundation
import Shared

/// One way of putting a batch of events on the wire, for `bench wire`.
protocol WireFormat {
    var name: String { get }
    func encode(_ batch: EventBatch) throws -> [UInt8]
    /// Decodes back to events; returns how many.
    func decode(_ body: [UInt8]) throws -> Int
}

/// JSON lines, one event per line, then gzip or zstd.
final class JSONLinesFormat: WireFormat {
    enum Compression { case gzip, zstd }
    let name: String
    private let compression: Compression
    private let encoder = JSONEncoder()
    private let decoder = JSONDecoder()
    private let compressor = ZstdCompressor()
    private let decompressor = ZstdDecompressor()

    init(compression: Compression) {
        self.compression = compression
        name = compression == .gzip ? "jsonl+gzip" : "jsonl+zstd"
    }

    func encode(_ batch: EventBatch) throws -> [UInt8] {
        var raw: [UInt8] = []
        for event in batch.events {
            raw.append(contentsOf: try encoder.encode(event))
            raw.append(UInt8(ascii: "\n"))
        }
        return compression == .gzip ? Gzip.compress(raw) : try compressor.compress(raw)
    }

    func decode(_ body: [UInt8]) throws -> Int {
        let raw = compression == .gzip ? Gzip.decompress(body) : try decompressor.decompress(body)
        var count = 0
        for line in raw.split(separator: UInt8(ascii: "\n")) {
            _ = try decoder.decode(Event.self, from: Data(line))
            count += 1
        }
        return count
    }
}

/// One protobuf message per event, then zstd (optionally with a dictionary).
final class RowProtobufFormat: WireFormat {
    let name: String
    private let compressor: ZstdCompressor
    private let decompressor: ZstdDecompressor

    init(dictionary: ZstdDictionary?) {
        name = dictionary == nil ? "protobuf-row+zstd" : "protobuf-row+zstd+dict"
        compressor = ZstdCompressor(dictionary: dictionary)
        decompressor = ZstdDecompressor(dictionaries: dictionary.map { [$0] } ?? [])
    }

    func encode(_ batch: EventBatch) throws -> [UInt8] { try compressor.compress(try RowLayout.encode(batch)) }
    func decode(_ body: [UInt8]) throws -> Int { try RowLayout.decode(try decompressor.decompress(body)).count }
}

/// The wire format: columnar protobuf + zstd (optionally with a dictionary), through the real
/// `BatchEncoder` / `BatchDecoder` with all their validation.
final class ColumnarFormat: WireFormat {
    let name: String
    private let encoder: BatchEncoder
    private let decoder: BatchDecoder

    init(dictionary: ZstdDictionary?) {
        name = dictionary == nil ? "protobuf-columnar+zstd" : "protobuf-columnar+zstd+dict"
        encoder = BatchEncoder(dictionary: dictionary)
        decoder = BatchDecoder(dictionaries: dictionary.map { [$0] } ?? [])
    }

    func encode(_ batch: EventBatch) throws -> [UInt8] { try encoder.encode(batch) }
    func decode(_ body: [UInt8]) throws -> Int { try decoder.decode(body).events.count }
}
