import Foundation
import Yams

/// A `Decoder` over a composed YAML node tree that keeps marks and records which keys were read.
struct YAMLNodeDecoder: Decoder {
    let node: Node
    let codingPath: [any CodingKey]
    let state: YAMLDecodingState
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .mapping(let mapping) = node else {
            throw DecodingError.typeMismatch(
                [String: Any].self, .init(codingPath: codingPath, debugDescription: "expected a mapping, found \(describe(node))"))
        }
        state.opened(codingPath)
        return KeyedDecodingContainer(YAMLKeyedContainer<Key>(mapping: mapping, codingPath: codingPath, state: state))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .sequence(let sequence) = node else {
            throw DecodingError.typeMismatch(
                [Any].self, .init(codingPath: codingPath, debugDescription: "expected a list, found \(describe(node))"))
        }
        return YAMLUnkeyedContainer(elements: Array(sequence), codingPath: codingPath, state: state)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        YAMLSingleValueContainer(node: node, codingPath: codingPath, state: state)
    }
}

func describe(_ node: Node) -> String {
    switch node {
    case .scalar(let s): s.string.isEmpty ? "an empty value" : "\"\(s.string)\""
    case .mapping: "a mapping"
    case .sequence: "a list"
    case .alias: "an alias"
    }
}

/// Decodes `T` from a child node, turning a `ConfigValueError` thrown by `T`'s initialiser into a
/// `DecodingError` that carries the child's path.
func decodeChild<T: Decodable>(_ type: T.Type, node: Node, path: [any CodingKey], state: YAMLDecodingState) throws -> T {
    do {
        return try T(from: YAMLNodeDecoder(node: node, codingPath: path, state: state))
    } catch let error as ConfigValueError {
        throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: error.message, underlyingError: error))
    }
}

struct YAMLKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let entries: [String: Node]
    let order: [String]
    let codingPath: [any CodingKey]
    let state: YAMLDecodingState

    init(mapping: Node.Mapping, codingPath: [any CodingKey], state: YAMLDecodingState) {
        var entries: [String: Node] = [:]
        var order: [String] = []
        for (key, value) in mapping {
            let name = key.string ?? "\(key)"
            if entries[name] == nil { order.append(name) }
            entries[name] = value
        }
        self.entries = entries
        self.order = order
        self.codingPath = codingPath
        self.state = state
    }

    var allKeys: [Key] { order.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool {
        state.asked(key.stringValue, at: codingPath)
        return entries[key.stringValue] != nil
    }

    private func node(_ key: Key) throws -> Node {
        state.asked(key.stringValue, at: codingPath)
        guard let node = entries[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "required key is missing"))
        }
        return node
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        state.asked(key.stringValue, at: codingPath)
        guard let node = entries[key.stringValue] else { return true }
        return YAMLSingleValueContainer.isNull(node)
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decodeChild(type, node: try node(key), path: codingPath + [key], state: state)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try YAMLNodeDecoder(node: try node(key), codingPath: codingPath + [key], state: state).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try YAMLNodeDecoder(node: try node(key), codingPath: codingPath + [key], state: state).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        YAMLNodeDecoder(node: .mapping(.init([])), codingPath: codingPath, state: state)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        YAMLNodeDecoder(node: try node(key), codingPath: codingPath + [key], state: state)
    }
}

struct YAMLUnkeyedContainer: UnkeyedDecodingContainer {
    let elements: [Node]
    let codingPath: [any CodingKey]
    let state: YAMLDecodingState
    var currentIndex = 0

    init(elements: [Node], codingPath: [any CodingKey], state: YAMLDecodingState) {
        self.elements = elements
        self.codingPath = codingPath
        self.state = state
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private mutating func next() throws -> (Node, [any CodingKey]) {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                Any.self, .init(codingPath: codingPath, debugDescription: "list has only \(elements.count) entries"))
        }
        defer { currentIndex += 1 }
        return (elements[currentIndex], codingPath + [AnyCodingKey(intValue: currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { return false }
        if YAMLSingleValueContainer.isNull(elements[currentIndex]) {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (node, path) = try next()
        return try decodeChild(type, node: node, path: path, state: state)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        let (node, path) = try next()
        return try YAMLNodeDecoder(node: node, codingPath: path, state: state).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (node, path) = try next()
        return try YAMLNodeDecoder(node: node, codingPath: path, state: state).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let (node, path) = try next()
        return YAMLNodeDecoder(node: node, codingPath: path, state: state)
    }
}
