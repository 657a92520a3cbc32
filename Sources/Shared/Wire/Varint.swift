/// Unsigned LEB128 (protobuf's varint): the one writer for the wire's hand-written encodings and
/// the store's packed id lists.
package enum Varint {
    /// Bytes `value` takes.
    @inline(__always) package static func size(_ value: UInt64) -> Int { value == 0 ? 1 : (64 - value.leadingZeroBitCount + 6) / 7 }

    @inline(__always) package static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Writes `value` at `at` (which must leave `size(value)` bytes) and returns where it ends.
    @inline(__always) package static func write(_ value: UInt64, into buffer: UnsafeMutableBufferPointer<UInt8>, at: Int) -> Int {
        var v = value, i = at
        while v >= 0x80 {
            buffer[i] = UInt8(truncatingIfNeeded: v) | 0x80
            i += 1
            v >>= 7
        }
        buffer[i] = UInt8(v)
        return i + 1
    }
}
