/// Hand-built zstd frames (RFC 8878) that expand to far more than they weigh: a run of RLE blocks,
/// 4 bytes for each 128 KiB of zeros, so a 2 GiB bomb is 64 KiB and costs nothing to make.
public enum ZstdBomb {
    /// - Parameters:
    ///   - expandedBytes: what the frame decompresses to (a multiple of 128 KiB).
    ///   - declareSize: write the content size into the frame header (else "unknown").
    ///   - windowLog: the window the frame asks the decoder for (≥ 17).
    public static func make(expandedBytes: Int, declareSize: Bool, windowLog: Int = 17) -> [UInt8] {
        let block = 128 * 1024
        var frame: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]
        // Frame header descriptor: content-size field of 8 bytes (flag 3) or none; no checksum, no dictionary.
        frame.append(declareSize ? 0xC0 : 0x00)
        frame.append(UInt8((windowLog - 10) << 3))  // window descriptor: exponent, mantissa 0
        if declareSize {
            var size = UInt64(expandedBytes)
            for _ in 0..<8 {
                frame.append(UInt8(size & 0xFF))
                size >>= 8
            }
        }
        let blocks = expandedBytes / block
        for i in 0..<blocks {
            let last: UInt32 = i == blocks - 1 ? 1 : 0
            let header = UInt32(block) << 3 | 1 << 1 | last  // RLE block of `block` bytes
            frame += [UInt8(header & 0xFF), UInt8(header >> 8 & 0xFF), UInt8(header >> 16 & 0xFF), 0x00]
        }
        return frame
    }
}
