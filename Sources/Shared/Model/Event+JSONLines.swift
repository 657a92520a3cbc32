import Foundation

extension Event {
    /// The event as one line of JSON in the wire schema (sorted keys, unescaped slashes): what
    /// `edge-agent synth`, `edge-agent detect --json` and `aggregator batch inspect --events` print.
    public func jsonLine() throws -> String {
        String(decoding: try Self.lineEncoder.encode(self), as: UTF8.self)
    }

    private static let lineEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
