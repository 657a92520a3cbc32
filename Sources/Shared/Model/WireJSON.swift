import Foundation

/// The one JSON form of the model (sorted keys, unescaped slashes): event lines, stored
/// attributes, API bodies. Encoders and decoders are safe to share between threads.
enum WireJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static let decoder = JSONDecoder()
}

extension Event {
    /// The event as one line of JSON in the wire schema: what `edge-agent synth`,
    /// `edge-agent detect --json` and `aggregator batch inspect --events` print.
    public func jsonLine() throws -> String {
        String(decoding: try WireJSON.encoder.encode(self), as: UTF8.self)
    }

    /// Reads `jsonLine()`'s form back.
    public static func fromJSONLine(_ line: String) throws -> Event {
        try WireJSON.decoder.decode(Event.self, from: Data(line.utf8))
    }
}

extension Attributes {
    /// The attributes as a JSON object (`{}` when empty), as the stores keep them.
    ///
    /// Written directly rather than through `JSONEncoder`, which made up more than half of a
    /// store commit's CPU time (`bench ingest`, profiled). Same JSON as the encoder's: keys sorted,
    /// strings escaped as JSON requires (quote, backslash, control characters), `/` unescaped,
    /// numbers in Swift's shortest round-trip form. Doubles are finite (the wire refuses others).
    public func jsonObject() -> String {
        if isEmpty { return "{}" }
        // Bytes, then one String: appending to a String re-checks its capacity and encoding per
        // piece, which was most of this function's cost (a `perf` profile of `bench ingest`).
        var out: [UInt8] = []
        out.reserveCapacity(16 + count * 32)
        out.append(UInt8(ascii: "{"))
        // Entries usually arrive sorted (decoders keep the sender's order): sort only when not.
        let sorted = zip(entries, entries.dropFirst()).allSatisfy { $0.key < $1.key } ? entries : entries.sorted { $0.key < $1.key }
        for (n, entry) in sorted.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            Self.appendJSONString(entry.key, to: &out)
            out.append(UInt8(ascii: ":"))
            switch entry.value {
            case .int(let v): out.append(contentsOf: String(v).utf8)
            case .double(let v): out.append(contentsOf: v.isFinite ? "\(v)".utf8 : "null".utf8)
            case .bool(let v): out.append(contentsOf: v ? "true".utf8 : "false".utf8)
            case .string(let v): Self.appendJSONString(v, to: &out)
            }
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    static func appendJSONString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        func special(_ byte: UInt8) -> Bool { byte < 0x20 || byte == 0x22 || byte == 0x5C }
        // Over the string's own buffer when it has one (the generic UTF-8 view walk cost a tenth).
        if !(s.utf8.withContiguousStorageIfAvailable { $0.contains(where: special) } ?? s.utf8.contains(where: special)) {
            out.append(contentsOf: s.utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Reads `jsonObject()`'s form back; numbers are typed by the kind's registry entry.
    public init(jsonObject text: String, kind: EventKind) throws {
        self = Event.typed(try WireJSON.decoder.decode(Attributes.self, from: Data(text.utf8)), kind: kind)
    }
}
