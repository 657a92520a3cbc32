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
}

extension Attributes {
    /// The attributes as a JSON object (`{}` when empty), as the stores keep them.
    public func jsonObject() throws -> String {
        isEmpty ? "{}" : String(decoding: try WireJSON.encoder.encode(self), as: UTF8.self)
    }

    /// Reads `jsonObject()`'s form back; numbers are typed by the kind's registry entry.
    public init(jsonObject text: String, kind: EventKind) throws {
        self = Event.typed(try WireJSON.decoder.decode(Attributes.self, from: Data(text.utf8)), kind: kind)
    }
}
