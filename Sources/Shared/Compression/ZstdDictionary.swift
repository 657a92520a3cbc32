import CZstd
import Foundation

/// A trained zstd dictionary, digested once for compression and decompression.
///
/// The digested forms (`ZSTD_CDict`, `ZSTD_DDict`) are read-only after creation and documented by
/// zstd as shareable between threads, hence `@unchecked Sendable`.
public final class ZstdDictionary: @unchecked Sendable {
    /// The id zstd writes into each frame header compressed with this dictionary.
    public let id: UInt32
    /// The dictionary file's bytes.
    public let bytes: [UInt8]
    /// The compression level baked into the digested compression dictionary.
    public let level: Int32
    let cdict: OpaquePointer
    let ddict: OpaquePointer

    /// - Parameters:
    ///   - bytes: a dictionary in zstd's format (from `ZstdDictionaryTrainer` or `zstd --train`).
    ///   - level: the compression level used with this dictionary.
    public init(bytes: [UInt8], level: Int32 = ZstdCompressor.defaultLevel) throws {
        let id = bytes.withUnsafeBytes { ZSTD_getDictID_fromDict($0.baseAddress, $0.count) }
        guard id != 0 else { throw CompressionError.corrupt("not a zstd dictionary (no dictionary id)") }
        guard let cdict = bytes.withUnsafeBytes({ ZSTD_createCDict($0.baseAddress, $0.count, level) }) else {
            throw CompressionError.compressionFailed("cannot digest dictionary \(id)")
        }
        guard let ddict = bytes.withUnsafeBytes({ ZSTD_createDDict($0.baseAddress, $0.count) }) else {
            ZSTD_freeCDict(cdict)
            throw CompressionError.compressionFailed("cannot digest dictionary \(id)")
        }
        self.id = id
        self.bytes = bytes
        self.level = level
        self.cdict = cdict
        self.ddict = ddict
    }

    /// Reads a dictionary file (`aggregator dictionary train` output).
    public convenience init(contentsOfFile path: String, level: Int32 = ZstdCompressor.defaultLevel) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw CompressionError.corrupt("cannot read dictionary \(path)") }
        try self.init(bytes: [UInt8](data), level: level)
    }

    deinit {
        ZSTD_freeCDict(cdict)
        ZSTD_freeDDict(ddict)
    }
}
