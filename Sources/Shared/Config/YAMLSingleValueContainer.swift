import Foundation
import Yams

/// Scalars with YAML 1.2 core-schema spellings (plus `yes`/`no`/`on`/`off` for booleans, which
/// people write in config files); a value of the wrong type is an error, never coerced to a default.
struct YAMLSingleValueContainer: SingleValueDecodingContainer {
    let node: Node
    let codingPath: [any CodingKey]
    let state: YAMLDecodingState

    static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let s) = node, s.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    func decodeNil() -> Bool { Self.isNull(node) }

    private func scalar(_ expected: String) throws -> Node.Scalar {
        guard case .scalar(let s) = node, !Self.isNull(node) else {
            throw DecodingError.typeMismatch(
                Any.self, .init(codingPath: codingPath, debugDescription: "expected \(expected), found \(describe(node))"))
        }
        return s
    }

    private func mismatch(_ expected: String) -> DecodingError {
        .typeMismatch(Any.self, .init(codingPath: codingPath, debugDescription: "expected \(expected), found \(describe(node))"))
    }

    func decode(_ type: Bool.Type) throws -> Bool {
        let s = try scalar("true or false")
        switch s.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw mismatch("true or false")
        }
    }

    func decode(_ type: String.Type) throws -> String {
        guard case .scalar(let s) = node else { throw mismatch("a string") }
        if Self.isNull(node) {
            throw DecodingError.valueNotFound(String.self, .init(codingPath: codingPath, debugDescription: "a value is required"))
        }
        return s.string
    }

    func decode(_ type: Double.Type) throws -> Double {
        let s = try scalar("a number")
        let text = s.string.replacingOccurrences(of: "_", with: "")
        switch text.lowercased() {
        case ".inf", "+.inf": return .infinity
        case "-.inf": return -.infinity
        case ".nan": return .nan
        default:
            guard s.style == .plain, let v = Double(text) else { throw mismatch("a number") }
            return v
        }
    }

    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }

    private func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let s = try scalar("an integer")
        let text = s.string.replacingOccurrences(of: "_", with: "")
        guard s.style == .plain else { throw mismatch("an integer") }
        let value: T?
        if text.hasPrefix("0x") { value = T(text.dropFirst(2), radix: 16) }
        else if text.hasPrefix("0o") { value = T(text.dropFirst(2), radix: 8) }
        else { value = T(text) }
        guard let value else {
            if Int64(text) != nil || Double(text) == nil { throw mismatch("an integer in \(T.min)...\(T.max)") }
            throw mismatch("an integer")
        }
        return value
    }

    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try decodeChild(type, node: node, path: codingPath, state: state)
    }
}
