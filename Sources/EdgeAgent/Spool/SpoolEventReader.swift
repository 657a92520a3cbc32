/// Parses a `SpoolEvent` protobuf row (Proto/citywatch/spool/v1/record.proto) by hand, with the
/// protobuf library's rules (SwiftProtobuf's `BinaryDecoder`): the last value of a scalar wins,
/// repeated fields append (`box` packed or not), unknown fields (groups included) and known ones
/// with another wire type are skipped, strings must be UTF-8, and malformed or truncated input
/// throws.
///
/// Why not the generated message: decoding it through the library's generic decoder was about two
/// fifths of the shipper's CPU while draining a backlog (`perf` during `bench drain`), for a
/// thirteen-field message read once per event. `SpoolEventReaderTests` holds this reader to the
/// library's decoder on valid rows and on thousands of mutated ones.
struct SpoolEventReader {
    /// The fields of one row, as the protobuf message has them.
    struct Row: Equatable {
        var lifecycleBack: UInt64 = 0
        var cameraID = ""
        var kind = ""
        var phase: UInt32 = 0
        var captureTimeMs: Int64 = 0
        var agentTimeOffsetMs: Int64 = 0
        var trackID: UInt64 = 0
        var box: [UInt32] = []
        var zone: String?
        var confidencePermille: UInt32 = 0
        var severity: UInt32 = 0
        var attributes: [Attribute] = []
        var snapshot: String?
    }

    struct Attribute: Equatable {
        enum Value: Equatable {
            case int(Int64)
            case double(UInt64)  // the bit pattern: NaNs compare equal to themselves
            case bool(Bool)
            case string(String)
        }
        var key = ""
        var value: Value?
    }

    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    /// Throws `Malformed`.
    static func read(_ bytes: ArraySlice<UInt8>) throws -> Row {
        try bytes.withUnsafeBytes { buffer in
            var reader = SpoolEventReader(buffer)
            return try reader.row()
        }
    }

    private let base: UnsafeRawBufferPointer
    private var at = 0
    private var end: Int

    private init(_ base: UnsafeRawBufferPointer) {
        self.base = base
        end = base.count
    }

    private mutating func row() throws(Malformed) -> Row {
        var row = Row()
        while at < end {
            let (field, wire) = try tag()
            switch (field, wire) {
            case (1, 0): row.lifecycleBack = try varint()
            case (2, 2): row.cameraID = try string()
            case (3, 2): row.kind = try string()
            case (4, 0): row.phase = UInt32(truncatingIfNeeded: try varint())
            case (5, 0): row.captureTimeMs = Int64(bitPattern: try varint())
            case (6, 0): row.agentTimeOffsetMs = Self.zigzag(try varint())
            case (7, 0): row.trackID = try varint()
            case (8, 0): row.box.append(UInt32(truncatingIfNeeded: try varint()))
            case (8, 2):
                let stop = try length()
                while at < stop { row.box.append(UInt32(truncatingIfNeeded: try varint(limit: stop))) }
            case (9, 2): row.zone = try string()
            case (10, 0): row.confidencePermille = UInt32(truncatingIfNeeded: try varint())
            case (11, 0): row.severity = UInt32(truncatingIfNeeded: try varint())
            case (12, 2):
                let stop = try length()
                let outer = end
                end = stop
                row.attributes.append(try attribute())
                end = outer
            case (13, 2): row.snapshot = try string()
            default: try skip(field: field, wire: wire, depth: 0)
            }
        }
        return row
    }

    /// A `SpoolAttribute` filling the bytes up to `end`.
    private mutating func attribute() throws(Malformed) -> Attribute {
        var a = Attribute()
        while at < end {
            let (field, wire) = try tag()
            switch (field, wire) {
            case (1, 2): a.key = try string()
            case (2, 0): a.value = .int(Self.zigzag(try varint()))
            case (3, 1): a.value = .double(try fixed64())
            case (4, 0): a.value = .bool(try varint() != 0)
            case (5, 2): a.value = .string(try string())
            default: try skip(field: field, wire: wire, depth: 0)
            }
        }
        return a
    }

    // MARK: Wire format

    private static func zigzag(_ n: UInt64) -> Int64 { Int64(bitPattern: (n >> 1) ^ (0 &- (n & 1))) }

    private mutating func tag() throws(Malformed) -> (field: Int, wire: Int) {
        let key = try varint()
        guard key < UInt64(UInt32.max), key >> 3 > 0, key & 7 <= 5 else { throw Malformed(description: "bad field key \(key)") }
        return (Int(key >> 3), Int(key & 7))
    }

    private mutating func varint(limit: Int? = nil) throws(Malformed) -> UInt64 {
        let stop = limit ?? end
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while at < stop {
            let byte = base[at]
            at += 1
            value |= UInt64(byte & 0x7F) &<< shift  // a tenth byte's high bits fall off, as in the library
            if byte & 0x80 == 0 { return value }
            shift += 7
            if shift > 63 { throw Malformed(description: "varint longer than 10 bytes") }
        }
        throw Malformed(description: "truncated varint")
    }

    private mutating func fixed64() throws(Malformed) -> UInt64 {
        guard end - at >= 8 else { throw Malformed(description: "truncated fixed64") }
        let value = base.loadUnaligned(fromByteOffset: at, as: UInt64.self)
        at += 8
        return UInt64(littleEndian: value)
    }

    /// Reads a length and returns where its bytes end.
    private mutating func length() throws(Malformed) -> Int {
        let n = try varint()
        guard n <= UInt64(end - at) else { throw Malformed(description: "length \(n) runs past the end") }
        return at + Int(n)
    }

    private mutating func string() throws(Malformed) -> String {
        let stop = try length()
        let bytes = UnsafeRawBufferPointer(rebasing: base[at..<stop])
        at = stop
        let utf8 = bytes.assumingMemoryBound(to: UInt8.self)
        // ASCII (nearly every name) needs no validation; `String(validating:)` is generic and
        // unspecialised here: a third of this reader's time went to the runtime's generic
        // metadata lookups (`perf`).
        var high: UInt8 = 0
        for byte in utf8 { high |= byte }
        if high < 0x80 { return String(decoding: utf8, as: UTF8.self) }
        guard let s = String(validating: utf8, as: UTF8.self) else { throw Malformed(description: "a string is not UTF-8") }
        return s
    }

    private mutating func skip(field: Int, wire: Int, depth: Int) throws(Malformed) {
        switch wire {
        case 0: _ = try varint()
        case 1: _ = try fixed64()
        case 2: at = try length()
        case 5:
            guard end - at >= 4 else { throw Malformed(description: "truncated fixed32") }
            at += 4
        case 3:
            // A group: fields up to the matching end-group tag.
            guard depth < 100 else { throw Malformed(description: "groups nested too deep") }  // the library's default limit
            while true {
                guard at < end else { throw Malformed(description: "unterminated group") }
                let (inner, innerWire) = try tag()
                if innerWire == 4 {
                    guard inner == field else { throw Malformed(description: "mismatched end of group") }
                    return
                }
                try skip(field: inner, wire: innerWire, depth: depth + 1)
            }
        default: throw Malformed(description: "wire type \(wire)")
        }
    }
}
