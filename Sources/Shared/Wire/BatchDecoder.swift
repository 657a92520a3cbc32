import Foundation
import SwiftProtobuf

/// Decodes request bodies with every limit checked before the work it protects: compressed size
/// before decompression, declared and actual decompressed size while decompressing (never more
/// than the limit allocated), event count and string lengths before events are built.
///
/// Holds a decompression context: not thread-safe, use one per task.
public final class BatchDecoder {
    public let limits: BatchLimits
    private let decompressor: ZstdDecompressor
    /// Decompressed size of the last body `decode` decompressed (for bytes-in metrics).
    public private(set) var lastDecompressedBytes = 0

    /// - Parameter dictionaries: the dictionaries agents may use, by id.
    public init(limits: BatchLimits = BatchLimits(), dictionaries: [ZstdDictionary] = []) {
        self.limits = limits
        decompressor = ZstdDecompressor(
            limits: .init(maxOutputBytes: limits.maxDecompressedBytes, windowLogMax: limits.windowLogMax),
            dictionaries: dictionaries)
    }

    /// Decodes a compressed `POST /v1/batches` body.
    public func decode(_ body: [UInt8]) throws(BatchError) -> EventBatch {
        guard body.count <= limits.maxCompressedBytes else {
            throw .compressedTooLarge(body.count, limit: limits.maxCompressedBytes)
        }
        let raw: [UInt8]
        do {
            raw = try decompressor.decompress(body)
        } catch let error as CompressionError {
            if error.isOutputLimitExceeded { throw .decompressedTooLarge(error) }
            if error.isUnknownDictionary { throw .unknownDictionary(error) }
            throw .badCompression(error)
        } catch {
            throw .badCompression(.corrupt("\(error)"))
        }
        lastDecompressedBytes = raw.count
        return try decodeProtobuf(raw)
    }

    /// Decodes an uncompressed `EventBatch` protobuf.
    public func decodeProtobuf(_ raw: [UInt8]) throws(BatchError) -> EventBatch {
        let m: Citywatch_V1_EventBatch
        do {
            var options = BinaryDecodingOptions()
            options.messageDepthLimit = 8
            m = try Citywatch_V1_EventBatch(serializedBytes: raw, options: options)
        } catch {
            throw .badProtobuf(error)
        }
        guard !m.agentID.isEmpty else { throw .invalid("agent_id", "must not be empty") }
        guard m.agentID.utf8.count <= limits.maxAgentIDBytes else {
            throw .invalid("agent_id", "\(m.agentID.utf8.count) bytes, the limit is \(limits.maxAgentIDBytes)")
        }
        guard m.batchSeq > 0, m.batchSeq <= BatchLimits.maxBatchSeq else {
            throw .invalid("batch_seq", "must be 1...\(BatchLimits.maxBatchSeq)")
        }
        guard m.agentVersion.utf8.count <= limits.maxStringBytes else {
            throw .invalid("agent_version", "\(m.agentVersion.utf8.count) bytes, the limit is \(limits.maxStringBytes)")
        }
        guard !m.agentVersion.containsNUL else { throw .invalid("agent_version", "contains a NUL character (U+0000)") }
        guard m.commandResults.count <= limits.maxEvents else {
            throw .invalid("command_results", "\(m.commandResults.count) results, the limit is \(limits.maxEvents)")
        }
        let events = try ColumnarDecoder(limits: limits).decode(m.events)
        var results: [CommandResult] = []
        results.reserveCapacity(m.commandResults.count)
        for (i, r) in m.commandResults.enumerated() { results.append(try CommandResult(wire: r, index: i, limits: limits)) }
        return EventBatch(
            agentID: m.agentID, batchSeq: m.batchSeq, dictionaryID: m.dictionaryID, createdAtMs: m.createdAtMs,
            evicted: try EvictionReport(wire: m.evicted), events: events, commandResults: results,
            agentVersion: m.agentVersion, health: m.hasHealth ? try AgentHealth(wire: m.health, limits: limits) : nil,
            unknownFields: Self.unknownFields(of: m))
    }

    /// Unknown top-level fields, plus unknown column fields re-wrapped as a field-6 message so that
    /// appending them to a fresh encoding merges them back into `events`.
    private static func unknownFields(of m: Citywatch_V1_EventBatch) -> [UInt8] {
        var bytes = [UInt8](m.unknownFields.data)
        let columns = m.events.unknownFields.data
        if !columns.isEmpty {
            bytes.append(6 << 3 | 2)
            var length = UInt64(columns.count)
            while length >= 0x80 {
                bytes.append(UInt8(length & 0x7F) | 0x80)
                length >>= 7
            }
            bytes.append(UInt8(length))
            bytes.append(contentsOf: columns)
        }
        return bytes
    }
}
