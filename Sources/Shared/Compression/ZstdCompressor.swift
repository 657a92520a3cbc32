import CZstd

/// One-shot zstd compression with a reusable context.
///
/// Frames carry their content size, a content checksum and (when a dictionary is used) its id,
/// so the receiver can refuse an oversized frame before decompressing it and detect corruption.
/// Not thread-safe: use one compressor per task.
public final class ZstdCompressor {
    /// zstd's own default, a good speed/ratio balance for small batches.
    public static let defaultLevel: Int32 = 3

    private let cctx: OpaquePointer
    public let level: Int32
    public let dictionary: ZstdDictionary?

    /// - Parameters:
    ///   - level: 1...19 (negative levels are faster still). Ignored when `dictionary` is set: the
    ///     dictionary was digested at its own level.
    public init(level: Int32 = ZstdCompressor.defaultLevel, dictionary: ZstdDictionary? = nil) {
        guard let cctx = ZSTD_createCCtx() else { fatalError("ZSTD_createCCtx: out of memory") }
        self.cctx = cctx
        self.level = dictionary?.level ?? level
        self.dictionary = dictionary
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, self.level)
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1)
        if let dictionary { ZSTD_CCtx_refCDict(cctx, dictionary.cdict) }
    }

    deinit { ZSTD_freeCCtx(cctx) }

    public func compress(_ input: [UInt8]) throws -> [UInt8] {
        let bound = ZSTD_compressBound(input.count)
        var output = [UInt8](repeating: 0, count: bound)
        let written = output.withUnsafeMutableBytes { out in
            input.withUnsafeBytes { inp in
                ZSTD_compress2(cctx, out.baseAddress, out.count, inp.baseAddress, inp.count)
            }
        }
        if ZSTD_isError(written) != 0 {
            throw CompressionError.compressionFailed(String(cString: ZSTD_getErrorName(written)))
        }
        output.removeLast(bound - written)
        return output
    }
}
