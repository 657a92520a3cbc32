/// Why a batch body was refused. Each error maps to the HTTP status the aggregator answers with
/// (docs/PROTOCOL.md): 413 for size limits, 415 for an encoding it cannot read, 400 for the rest.
/// 4xx answers are permanent: the agent moves the batch to its dead-letter area.
public struct BatchError: Error, Hashable, CustomStringConvertible {
    enum Code: String, Hashable {
        case compressedTooLarge = "compressed_too_large"
        case decompressedTooLarge = "decompressed_too_large"
        case tooManyEvents = "too_many_events"
        case unsupportedMediaType = "unsupported_media_type"
        case unknownDictionary = "unknown_dictionary"
        case badCompression = "bad_compression"
        case badProtobuf = "bad_protobuf"
        case invalidField = "invalid_field"
    }

    let code: Code
    /// The offending field, as a path into the batch (`events.box[12]`), when one is to blame.
    public let field: String?
    public let message: String

    /// Stable machine-readable code, e.g. `too_many_events`.
    public var codeName: String { code.rawValue }

    /// The HTTP status the aggregator answers with.
    public var httpStatus: Int {
        switch code {
        case .compressedTooLarge, .decompressedTooLarge, .tooManyEvents: 413
        case .unsupportedMediaType, .unknownDictionary: 415
        case .badCompression, .badProtobuf, .invalidField: 400
        }
    }

    public var description: String {
        if let field { "\(codeName): \(field): \(message)" } else { "\(codeName): \(message)" }
    }

    public static func compressedTooLarge(_ size: Int, limit: Int) -> Self {
        .init(code: .compressedTooLarge, field: nil, message: "body is \(size) bytes, the limit is \(limit)")
    }
    static func decompressedTooLarge(_ underlying: CompressionError) -> Self {
        .init(code: .decompressedTooLarge, field: nil, message: underlying.message)
    }
    static func tooManyEvents(_ count: Int, limit: Int) -> Self {
        .init(code: .tooManyEvents, field: "events.count", message: "\(count) events, the limit is \(limit)")
    }
    static func unsupportedMediaType(_ message: String) -> Self {
        .init(code: .unsupportedMediaType, field: nil, message: message)
    }
    static func unknownDictionary(_ underlying: CompressionError) -> Self {
        .init(code: .unknownDictionary, field: nil, message: underlying.message)
    }
    static func badCompression(_ underlying: CompressionError) -> Self {
        .init(code: .badCompression, field: nil, message: underlying.message)
    }
    static func badProtobuf(_ underlying: any Error) -> Self {
        .init(code: .badProtobuf, field: nil, message: "body is not a valid EventBatch: \(underlying)")
    }
    static func invalid(_ field: String, _ message: String) -> Self {
        .init(code: .invalidField, field: field, message: message)
    }

    public var isTooLarge: Bool { httpStatus == 413 }
}
