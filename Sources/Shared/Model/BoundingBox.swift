/// An axis-aligned box in normalised frame coordinates (0,0 top-left; 1,1 bottom-right), held in
/// units of 1/10000 of the frame: the wire precision (0.19 px on a 1920-px frame).
public struct BoundingBox: Sendable, Hashable {
    public static let scale: UInt16 = 10_000

    public let xUnits: UInt16
    public let yUnits: UInt16
    public let widthUnits: UInt16
    public let heightUnits: UInt16

    /// Units are clamped so that the box stays inside the frame.
    public init(xUnits: UInt16, yUnits: UInt16, widthUnits: UInt16, heightUnits: UInt16) {
        let x = min(xUnits, Self.scale)
        let y = min(yUnits, Self.scale)
        self.xUnits = x
        self.yUnits = y
        self.widthUnits = min(widthUnits, Self.scale - x)
        self.heightUnits = min(heightUnits, Self.scale - y)
    }

    /// Rounds normalised coordinates to the wire precision, clamping to the frame.
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.init(
            xUnits: Self.units(x), yUnits: Self.units(y),
            widthUnits: Self.units(width), heightUnits: Self.units(height)
        )
    }

    public var x: Double { Double(xUnits) / Double(Self.scale) }
    public var y: Double { Double(yUnits) / Double(Self.scale) }
    public var width: Double { Double(widthUnits) / Double(Self.scale) }
    public var height: Double { Double(heightUnits) / Double(Self.scale) }

    static func units(_ value: Double) -> UInt16 {
        guard value.isFinite else { return 0 }
        return UInt16((min(max(value, 0), 1) * Double(scale)).rounded())
    }
}

extension BoundingBox: Codable {
    /// JSON: `[x, y, width, height]`, normalised.
    public init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        var values: [Double] = []
        while !c.isAtEnd { values.append(try c.decode(Double.self)) }
        guard values.count == 4, values.allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "box must be [x, y, width, height] within 0...1")
            )
        }
        self.init(x: values[0], y: values[1], width: values[2], height: values[3])
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.unkeyedContainer()
        try c.encode(x)
        try c.encode(y)
        try c.encode(width)
        try c.encode(height)
    }
}
