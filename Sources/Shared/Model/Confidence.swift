/// A detector's confidence in thousandths (the wire precision), 0...1000.
public struct Confidence: Sendable, Hashable, Comparable {
    public static let certain = Confidence(permille: 1000)
    public static let maximumPermille: UInt16 = 1000

    public let permille: UInt16

    /// Values above 1000 are clamped.
    public init(permille: UInt16) {
        self.permille = min(permille, Self.maximumPermille)
    }

    /// Rounds `value` (clamped to 0...1) to the nearest thousandth.
    public init(_ value: Double) {
        let clamped = value.isNaN ? 0 : min(max(value, 0), 1)
        self.init(permille: UInt16((clamped * 1000).rounded()))
    }

    public var value: Double { Double(permille) / 1000 }

    public static func < (lhs: Confidence, rhs: Confidence) -> Bool { lhs.permille < rhs.permille }
}

extension Confidence: Codable {
    public init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer().decode(Double.self)
        guard value >= 0, value <= 1 else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "confidence \(value) is outside 0...1")
            )
        }
        self.init(value)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(value)
    }
}
