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
        var out = "{"
        out.reserveCapacity(16 + count * 24)
        for (n, entry) in entries.sorted(by: { $0.key < $1.key }).enumerated() {
            if n > 0 { out += "," }
            Self.appendJSONString(entry.key, to: &out)
            out += ":"
            switch entry.value {
            case .int(let v): out += String(v)
            case .double(let v): out += v.isFinite ? "\(v)" : "null"
            case .bool(let v): out += v ? "true" : "false"
            case .string(let v): Self.appendJSONString(v, to: &out)
            }
        }
        out += "}"
        return out
    }

    static func appendJSONString(_ s: String, to out: inout String) {
        out += "\""
        var plain = true
        for byte in s.utf8 where byte < 0x20 || byte == 0x22 || byte == 0x5C { plain = false; break }
        if plain {
            out += s
        } else {
            for scalar in s.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case let c where c.value < 0x20:
                    let hex = String(c.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    /// Reads `jsonObject()`'s form back; numbers are typed by the kind's registry entry.
    public init(jsonObject text: String, kind: EventKind) throws {
        self = Event.typed(try WireJSON.decoder.decode(Attributes.self, from: Data(text.utf8)), kind: kind)
    }
}
