/// A zstd compression or decompression failure.
public struct CompressionError: Error, Hashable, CustomStringConvertible {
    enum Code: Hashable {
        case notZstd
        case truncated
        case corrupt
        case trailingData
        case outputLimitExceeded
        case windowTooLarge
        case unknownDictionary
        case compressionFailed
        case trainingFailed
    }

    let code: Code
    public let message: String

    public var description: String { message }

    public static func notZstd() -> Self { .init(code: .notZstd, message: "body is not a zstd frame") }
    public static func truncated() -> Self { .init(code: .truncated, message: "zstd frame is truncated") }
    public static func corrupt(_ detail: String) -> Self {
        .init(code: .corrupt, message: "zstd frame is corrupt: \(detail)")
    }
    public static func trailingData(_ bytes: Int) -> Self {
        .init(code: .trailingData, message: "\(bytes) bytes follow the zstd frame; one frame per body")
    }
    public static func outputLimitExceeded(limit: Int, declared: UInt64?) -> Self {
        let what = declared.map { "frame declares \($0) bytes" } ?? "frame expands"
        return .init(code: .outputLimitExceeded, message: "\(what), more than the \(limit)-byte limit")
    }
    public static func windowTooLarge(maxLog: Int) -> Self {
        .init(code: .windowTooLarge, message: "zstd window larger than 2^\(maxLog) bytes")
    }
    public static func unknownDictionary(_ id: UInt32) -> Self {
        .init(code: .unknownDictionary, message: "zstd dictionary \(id) is not known here")
    }
    public static func compressionFailed(_ detail: String) -> Self {
        .init(code: .compressionFailed, message: "zstd compression failed: \(detail)")
    }
    public static func trainingFailed(_ detail: String) -> Self {
        .init(code: .trainingFailed, message: "zstd dictionary training failed: \(detail)")
    }

    public var isOutputLimitExceeded: Bool { code == .outputLimitExceeded || code == .windowTooLarge }
    public var isUnknownDictionary: Bool { code == .unknownDictionary }
}
