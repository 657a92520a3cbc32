/// Hard limits on one batch, checked before and while decoding (the aggregator sets the compressed
/// cap from `ingest.max_body_bytes`; the others are fixed).
public struct BatchLimits: Sendable, Hashable {
    /// Largest compressed body, bytes. Default 8 MiB.
    public var maxCompressedBytes: Int
    /// Largest body after decompression, bytes. Default 4 MiB: a full batch of 10,000 events is
    /// well under 1 MiB, and protobuf's in-memory form of a hostile body can be ~8× its size.
    public var maxDecompressedBytes: Int
    /// zstd window log cap (2^23 = 8 MiB). Default 23.
    public var windowLogMax: Int32
    /// Most events in one batch. Default 10,000.
    public var maxEvents: Int
    /// Longest string (camera id, kind, zone, attribute key or value, snapshot ref), UTF-8 bytes. Default 256.
    public var maxStringBytes: Int
    /// Most attributes on one event. Default 32.
    public var maxAttributesPerEvent: Int
    /// Longest agent id, bytes. Default 128.
    public var maxAgentIDBytes: Int

    public init(
        maxCompressedBytes: Int = 8 << 20,
        maxDecompressedBytes: Int = 4 << 20,
        windowLogMax: Int32 = 23,
        maxEvents: Int = 10_000,
        maxStringBytes: Int = 256,
        maxAttributesPerEvent: Int = 32,
        maxAgentIDBytes: Int = 128
    ) {
        self.maxCompressedBytes = maxCompressedBytes
        self.maxDecompressedBytes = maxDecompressedBytes
        self.windowLogMax = windowLogMax
        self.maxEvents = maxEvents
        self.maxStringBytes = maxStringBytes
        self.maxAttributesPerEvent = maxAttributesPerEvent
        self.maxAgentIDBytes = maxAgentIDBytes
    }
}
