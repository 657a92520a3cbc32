import SwiftProtobuf

/// Encodes batches for the wire: model → `EventBatch` protobuf (columnar events) → zstd.
///
/// Holds a compression context: not thread-safe, use one per task (the agent's shipper has one).
public final class BatchEncoder {
    private let compressor: ZstdCompressor
    /// Limits the batch must meet (the aggregator's); `encode` refuses what it would refuse.
    public let limits: BatchLimits

    /// - Parameters:
    ///   - level: zstd level (config `shipping.compression_level`, default 3).
    ///   - dictionary: a trained dictionary shared with the aggregator (config
    ///     `shipping.dictionary`), or nil.
    public init(level: Int32 = ZstdCompressor.defaultLevel, dictionary: ZstdDictionary? = nil, limits: BatchLimits = BatchLimits()) {
        compressor = ZstdCompressor(level: level, dictionary: dictionary)
        self.limits = limits
    }

    public var dictionaryID: UInt32 { compressor.dictionary?.id ?? 0 }

    /// The protobuf bytes before compression (also what dictionary training samples).
    public static func protobufBytes(of batch: EventBatch) -> [UInt8] {
        // Fields 1–5 and 7–9 through the library, the events (field 6) written by hand between
        // them: the same bytes as the library's serialisation of the whole message.
        var head = Citywatch_V1_EventBatch()
        head.agentID = batch.agentID
        head.batchSeq = batch.batchSeq
        head.dictionaryID = batch.dictionaryID
        head.createdAtMs = batch.createdAtMs
        if !batch.evicted.isEmpty { head.evicted = batch.evicted.wire }
        var tail = Citywatch_V1_EventBatch()
        tail.commandResults = batch.commandResults.map(\.wire)
        tail.agentVersion = batch.agentVersion
        if let health = batch.health { tail.health = health.wire }
        // Serialising a fully initialised proto3 message cannot fail.
        var bytes: [UInt8] = (try? head.serializedBytes()) ?? []
        ColumnarWireWriter.append(ColumnarEncoder.columns(batch.events), asField: 6, to: &bytes)
        bytes += (try? tail.serializedBytes()) ?? []
        // Unknown fields from a newer writer go back out verbatim; protobuf allows any field order
        // and merges repeated occurrences of a message field.
        bytes.append(contentsOf: batch.unknownFields)
        return bytes
    }

    /// The compressed request body. Sets `dictionaryID` from this encoder's dictionary. Throws a
    /// `BatchError` for a batch the aggregator would refuse.
    public func encode(_ batch: EventBatch) throws -> [UInt8] {
        try limits.validate(batch)
        var batch = batch
        batch.dictionaryID = dictionaryID
        return try compressor.compress(Self.protobufBytes(of: batch))
    }
}
