import Yams

/// What a decode pass read, to find keys that no type asked for.
final class YAMLDecodingState {
    struct UnknownKey {
        let key: String
        let path: String
        let mark: Mark?
        let known: [String]
    }

    /// Mapping path → keys the decoding asked for.
    private var read: [String: Set<String>] = [:]

    func opened(_ path: [any CodingKey]) {
        let p = ConfigKeyPath.render(path)
        if read[p] == nil { read[p] = [] }
    }

    func asked(_ key: String, at path: [any CodingKey]) {
        read[ConfigKeyPath.render(path), default: []].insert(key)
    }

    /// Keys present in mappings that were decoded as keyed containers but never asked for, in
    /// document order.
    func unknownKeys(in root: Node) -> [UnknownKey] {
        var found: [UnknownKey] = []
        walk(root, path: [], into: &found)
        return found
    }

    private func walk(_ node: Node, path: [any CodingKey], into found: inout [UnknownKey]) {
        switch node {
        case .mapping(let mapping):
            let rendered = ConfigKeyPath.render(path)
            let asked = read[rendered]
            for (key, value) in mapping {
                let name = key.string ?? "\(key)"
                if let asked, !asked.contains(name) {
                    found.append(UnknownKey(
                        key: name, path: ConfigKeyPath.render(path + [AnyCodingKey(stringValue: name)]),
                        mark: key.mark, known: Array(asked)))
                    continue
                }
                walk(value, path: path + [AnyCodingKey(stringValue: name)], into: &found)
            }
        case .sequence(let sequence):
            for (i, element) in sequence.enumerated() { walk(element, path: path + [AnyCodingKey(intValue: i)], into: &found) }
        case .scalar, .alias:
            break
        }
    }

    static func node(at path: [any CodingKey], in root: Node) -> Node? {
        var node = root
        for key in path {
            switch node {
            case .mapping(let mapping):
                guard let next = mapping[key.stringValue] else { return node }
                node = next
            case .sequence(let sequence):
                guard let i = key.intValue, sequence.indices.contains(i) else { return node }
                node = sequence[i]
            case .scalar, .alias:
                return node
            }
        }
        return node
    }
}
