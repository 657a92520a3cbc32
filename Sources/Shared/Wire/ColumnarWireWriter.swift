/// Writes `ColumnarEncoder.Columns` as the `EventColumns` protobuf message, byte for byte what the
/// protobuf library writes for the same message (fields in number order, repeated numbers packed,
/// empty ones left out; `GoldenFixtureTests` and `ColumnarWireWriterTests` hold it to that).
///
/// Why by hand: the library serialises a message in two passes (sizes, then bytes) through a
/// generic visitor, about a tenth of the agent's CPU while draining a backlog (`perf` during
/// `bench drain`); the columns are flat arrays of numbers that one pass writes directly.
struct ColumnarWireWriter {
    private(set) var bytes: [UInt8] = []

    static func message(_ c: ColumnarEncoder.Columns) -> [UInt8] {
        var w = ColumnarWireWriter()
        w.bytes.reserveCapacity(Int(c.count) * 24 + c.strings.reduce(0) { $0 + $1.utf8.count + 2 })
        if c.count != 0 {
            w.tag(1, wire: 0)
            w.varint(UInt64(c.count))
        }
        for s in c.strings {
            w.tag(2, wire: 2)
            w.varint(UInt64(s.utf8.count))
            w.bytes.append(contentsOf: s.utf8)
        }
        w.packed(3, c.eventIDDelta) { zigzag($0) }
        w.packed(4, c.lifecycleBack) { $0 }
        w.packed(5, c.camera) { UInt64($0) }
        w.packed(6, c.kind) { UInt64($0) }
        w.packed(7, c.phase) { UInt64($0) }
        w.packed(8, c.captureTimeDeltaMs) { zigzag($0) }
        w.packed(9, c.agentTimeOffsetMs) { zigzag($0) }
        w.packed(10, c.trackID) { $0 }
        w.packed(11, c.flags) { UInt64($0) }
        w.packed(12, c.box) { UInt64($0) }
        w.packed(13, c.zone) { UInt64($0) }
        w.packed(14, c.confidencePermille) { UInt64($0) }
        w.packed(15, c.severity) { UInt64($0) }
        w.packed(16, c.attributeCount) { UInt64($0) }
        w.packed(17, c.attributeKeyType) { $0 }
        w.packed(18, c.attributeInt) { zigzag($0) }
        if !c.attributeDouble.isEmpty {
            w.tag(19, wire: 2)
            w.varint(UInt64(c.attributeDouble.count * 8))
            for d in c.attributeDouble { withUnsafeBytes(of: d.bitPattern.littleEndian) { w.bytes.append(contentsOf: $0) } }
        }
        w.packed(20, c.attributeDecimalMilli) { zigzag($0) }
        w.packed(21, c.attributeString) { UInt64($0) }
        w.packed(22, c.snapshot) { UInt64($0) }
        return w.bytes
    }

    /// A length-delimited field around what `body` writes.
    static func field(_ number: Int, _ body: [UInt8]) -> [UInt8] {
        var w = ColumnarWireWriter()
        w.tag(number, wire: 2)
        w.varint(UInt64(body.count))
        w.bytes.append(contentsOf: body)
        return w.bytes
    }

    private static func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }

    private static func varintSize(_ v: UInt64) -> Int { v == 0 ? 1 : (64 - v.leadingZeroBitCount + 6) / 7 }

    private mutating func tag(_ number: Int, wire: Int) { varint(UInt64(number << 3 | wire)) }

    private mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// A packed repeated varint field (left out when empty): its length first, so one pass
    /// over the values sizes it and a second writes them straight into the buffer.
    private mutating func packed<T>(_ number: Int, _ values: [T], _ encode: (T) -> UInt64) {
        guard !values.isEmpty else { return }
        var length = 0
        for v in values { length += Self.varintSize(encode(v)) }
        tag(number, wire: 2)
        varint(UInt64(length))
        let payload = [UInt8](unsafeUninitializedCapacity: length) { buffer, written in
            var at = 0
            for v in values {
                var x = encode(v)
                while x >= 0x80 {
                    buffer[at] = UInt8(truncatingIfNeeded: x) | 0x80
                    at += 1
                    x >>= 7
                }
                buffer[at] = UInt8(x)
                at += 1
            }
            written = at
        }
        bytes.append(contentsOf: payload)
    }
}
