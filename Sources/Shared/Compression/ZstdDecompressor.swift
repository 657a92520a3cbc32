import CZstd
import Foundation

/// Bounded zstd decompression: refuses before allocating when a frame claims too much, and stops as
/// soon as the output passes the limit while streaming, so a small "bomb" cannot exhaust memory.
///
/// Not thread-safe (it reuses one decompression context): use one per task.
public final class ZstdDecompressor {
    public struct Limits: Sendable, Hashable {
        /// The most bytes one frame may decompress to. Default 32 MiB. Frames that declare their
        /// size are refused from the header when it exceeds this; zstd then never needs a window
        /// larger than the declared size. Frames that do not are decoded in a buffer that grows up
        /// to this limit, with the window capped by `windowLogMax`.
        public var maxOutputBytes: Int
        /// The largest window zstd may need (2^windowLogMax bytes). Default 23 (8 MiB), the
        /// format's recommended minimum for decoders.
        public var windowLogMax: Int32

        public init(maxOutputBytes: Int = 32 << 20, windowLogMax: Int32 = 23) {
            self.maxOutputBytes = maxOutputBytes
            self.windowLogMax = windowLogMax
        }
    }

    private let dctx: OpaquePointer
    public let limits: Limits
    private let dictionaries: [UInt32: ZstdDictionary]
    /// First output allocation when the frame does not declare its size.
    private static let initialCapacity = 64 * 1024

    public init(limits: Limits = Limits(), dictionaries: [ZstdDictionary] = []) {
        guard let dctx = ZSTD_createDCtx() else { fatalError("ZSTD_createDCtx: out of memory") }
        self.dctx = dctx
        self.limits = limits
        self.dictionaries = Dictionary(dictionaries.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    deinit { ZSTD_freeDCtx(dctx) }

    /// The dictionary id written in the frame header, 0 when none (or not a zstd frame).
    public static func dictionaryID(of frame: [UInt8]) -> UInt32 {
        frame.withUnsafeBytes { ZSTD_getDictID_fromFrame($0.baseAddress, $0.count) }
    }

    public func decompress(_ input: [UInt8]) throws -> [UInt8] {
        try input.withUnsafeBytes { try decompress($0) }
    }

    public func decompress(_ input: UnsafeRawBufferPointer) throws -> [UInt8] {
        // Only current zstd frames: legacy (v0.5–0.7) frames, which the system library may still
        // decode, bypass the window limit, and skippable frames carry no content.
        guard Self.hasMagic(input) else { throw CompressionError.notZstd() }
        let declared = ZSTD_getFrameContentSize(input.baseAddress, input.count)
        if declared == ZSTD_CONTENTSIZE_ERROR { throw CompressionError.truncated() }
        let known = declared != ZSTD_CONTENTSIZE_UNKNOWN
        if known, declared > UInt64(limits.maxOutputBytes) {
            throw CompressionError.outputLimitExceeded(limit: limits.maxOutputBytes, declared: declared)
        }
        try prepareContext(dictionaryID: ZSTD_getDictID_fromFrame(input.baseAddress, input.count))

        // A C buffer grown with realloc: growth can happen in place, so the peak stays near the
        // limit instead of old + new array copies.
        var capacity = known ? max(Int(declared), 1) : min(Self.initialCapacity, limits.maxOutputBytes)
        guard var buffer = malloc(capacity) else { throw CompressionError.corrupt("out of memory") }
        defer { free(buffer) }
        var produced = 0
        var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        while true {
            let consumedBefore = inBuffer.pos
            let producedBefore = produced
            var outBuffer = ZSTD_outBuffer(dst: buffer, size: capacity, pos: produced)
            let result = ZSTD_decompressStream(dctx, &outBuffer, &inBuffer)
            produced = outBuffer.pos
            if ZSTD_isError(result) != 0 { throw mapError(result) }
            if result == 0 { break }  // frame complete
            let progressed = inBuffer.pos != consumedBefore || produced != producedBefore
            if produced == capacity, !progressed {
                // Output is full and zstd has more to write: grow within the limit or refuse.
                if known {
                    throw inBuffer.pos == inBuffer.size
                        ? CompressionError.truncated() : CompressionError.corrupt("frame expands past its declared size")
                }
                guard capacity < limits.maxOutputBytes else {
                    throw CompressionError.outputLimitExceeded(limit: limits.maxOutputBytes, declared: nil)
                }
                capacity = min(capacity * 2, limits.maxOutputBytes)
                guard let grown = realloc(buffer, capacity) else { throw CompressionError.corrupt("out of memory") }
                buffer = grown
            } else if inBuffer.pos == inBuffer.size, produced < capacity {
                throw CompressionError.truncated()
            }
        }
        if inBuffer.pos < inBuffer.size { throw CompressionError.trailingData(inBuffer.size - inBuffer.pos) }
        return [UInt8](UnsafeRawBufferPointer(start: buffer, count: produced))
    }

    private func prepareContext(dictionaryID: UInt32) throws {
        ZSTD_DCtx_reset(dctx, ZSTD_reset_session_and_parameters)
        let set = ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, limits.windowLogMax)
        if ZSTD_isError(set) != 0 {
            throw CompressionError.corrupt("window log limit \(limits.windowLogMax) rejected: \(String(cString: ZSTD_getErrorName(set)))")
        }
        guard dictionaryID != 0 else { return }
        guard let dictionary = dictionaries[dictionaryID] else { throw CompressionError.unknownDictionary(dictionaryID) }
        ZSTD_DCtx_refDDict(dctx, dictionary.ddict)
    }

    private func mapError(_ code: Int) -> CompressionError {
        switch ZSTD_getErrorCode(code) {
        case ZSTD_error_frameParameter_windowTooLarge:
            .windowTooLarge(maxLog: Int(limits.windowLogMax))
        case ZSTD_error_dictionary_wrong:
            .corrupt("frame was compressed with another dictionary")
        default:
            .corrupt(String(cString: ZSTD_getErrorName(code)))
        }
    }

    static func hasMagic(_ input: UnsafeRawBufferPointer) -> Bool {
        input.count >= 4 && input.loadUnaligned(as: UInt32.self) == UInt32(littleEndian: 0xFD2F_B528)
    }
}
