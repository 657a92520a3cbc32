/// Writes `ColumnarEncoder.Columns` as the `EventColumns` protobuf message, byte for byte what the
/// protobuf library writes for the same message (fields in number order, repeated numbers packed,
/// empty ones left out; `GoldenFixtureTests` and `ColumnarWireWriterTests` hold it to that).
///
/// Why by hand: the library serialises a message in two passes (sizes, then bytes) through a
/// generic visitor, about a tenth of the agent's CPU while draining a backlog (`perf` during
/// `bench drain`); the columns are flat arrays of numbers that one pass writes directly.
struct ColumnarWireWriter {
    private var bytes: [UInt8]

    /// Appends `c` as field `number` of the enclosing message (length-delimited): the message is
    /// written once, then its length and bytes go after the field's tag.
    static func append(_ c: ColumnarEncoder.Columns, asField number: Int, to out: inout [UInt8]) {
        let body = message(c)
        Varint.append(UInt64(number << 3 | 2), to: &out)
        Varint.append(UInt64(body.count), to: &out)
        out.append(contentsOf: body)
    }

    static func message(_ c: ColumnarEncoder.Columns) -> [UInt8] {
        var w = ColumnarWireWriter(bytes: [])
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

    private static func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }

    private mutating func tag(_ number: Int, wire: Int) { varint(UInt64(number << 3 | wire)) }

    private mutating func varint(_ value: UInt64) { Varint.append(value, to: &bytes) }

    /// A packed repeated varint field (left out when empty): one pass over the values sizes it,
    /// a second writes them in place after its length.
    private mutating func packed<T>(_ number: Int, _ values: [T], _ encode: (T) -> UInt64) {
        guard !values.isEmpty else { return }
        var length = 0
        for v in values { length += Varint.size(encode(v)) }
        tag(number, wire: 2)
        varint(UInt64(length))
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: length))
        bytes.withUnsafeMutableBufferPointer { buffer in
            var at = start
            for v in values { at = Varint.write(encode(v), into: buffer, at: at) }
        }
    }
}
