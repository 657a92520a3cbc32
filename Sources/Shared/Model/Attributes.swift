/// An event's typed attributes: a small ordered map with unique keys.
///
/// Kept as an array rather than a `Dictionary`: events carry a handful of attributes, and a linear
/// scan of a few entries is cheaper than hashing on the decode hot path; order is preserved, which
/// keeps encodings deterministic.
public struct Attributes: Sendable, Hashable {
    public private(set) var entries: [(key: String, value: AttributeValue)]

    public init() { entries = [] }

    public var isEmpty: Bool { entries.isEmpty }
    public var count: Int { entries.count }

    public subscript(key: String) -> AttributeValue? {
        get { entries.first(where: { $0.key == key })?.value }
        set {
            if let index = entries.firstIndex(where: { $0.key == key }) {
                if let newValue { entries[index].value = newValue } else { entries.remove(at: index) }
            } else if let newValue {
                entries.append((key, newValue))
            }
        }
    }

    /// Appends without checking for an existing key; for decoders that check uniqueness themselves.
    package mutating func appendUnchecked(key: String, value: AttributeValue) {
        entries.append((key, value))
    }

    package mutating func reserveCapacity(_ n: Int) { entries.reserveCapacity(n) }

    /// Equal when both hold the same keys with the same values, in any order: attributes are a
    /// map, and JSON, for one, does not keep key order.
    public static func == (lhs: Attributes, rhs: Attributes) -> Bool {
        lhs.entries.count == rhs.entries.count && lhs.entries.allSatisfy { rhs[$0.key] == $0.value }
    }

    public func hash(into hasher: inout Hasher) {
        // Order-independent: a commutative sum of the entries' own hashes.
        var sum = 0
        for entry in entries {
            var h = Hasher()
            h.combine(entry.key)
            h.combine(entry.value)
            sum = sum &+ h.finalize()
        }
        hasher.combine(entries.count)
        hasher.combine(sum)
    }
}

extension Attributes: ExpressibleByDictionaryLiteral {
    public typealias Key = String
    public typealias Value = AttributeValue

    public init(dictionaryLiteral elements: (String, AttributeValue)...) {
        self.init()
        for (key, value) in elements { self[key] = value }
    }
}

extension Attributes: Sequence {
    public func makeIterator() -> IndexingIterator<[(key: String, value: AttributeValue)]> {
        entries.makeIterator()
    }
}

extension Attributes: Codable {
    struct CodingKeyName: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeyName.self)
        self.init()
        for key in c.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
            self[key.stringValue] = try c.decode(AttributeValue.self, forKey: key)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeyName.self)
        for entry in entries { try c.encode(entry.value, forKey: CodingKeyName(stringValue: entry.key)) }
    }
}
