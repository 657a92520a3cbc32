/// Renders coding paths as config key paths: `cameras[0].zones[2].name`.
enum ConfigKeyPath {
    static func render(_ path: [any CodingKey]) -> String {
        var out = ""
        for key in path {
            // Sequence positions are "Index N" (as Foundation's decoders name them); a mapping key
            // that happens to be numeric ("1") stays a key.
            if let index = key.intValue, key.stringValue == "Index \(index)" {
                out += "[\(index)]"
            } else {
                if !out.isEmpty { out += "." }
                out += key.stringValue
            }
        }
        return out
    }

    /// Parses `polygon[3].x` back into keys (the inverse of `render`).
    static func parse(_ text: String) -> [any CodingKey] {
        var keys: [any CodingKey] = []
        for part in text.split(separator: ".") {
            var name = Substring(part)
            var indexes: [Int] = []
            while let open = name.lastIndex(of: "["), name.hasSuffix("]"), let i = Int(name[name.index(after: open)..<name.index(before: name.endIndex)]) {
                indexes.insert(i, at: 0)
                name = name[..<open]
            }
            if !name.isEmpty { keys.append(AnyCodingKey(stringValue: String(name))) }
            keys += indexes.map { AnyCodingKey(intValue: $0) }
        }
        return keys
    }
}

/// A coding key for sequence positions and mapping keys discovered at run time.
struct AnyCodingKey: CodingKey, Hashable {
    var stringValue: String
    var intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    init(intValue: Int) {
        self.stringValue = "Index \(intValue)"
        self.intValue = intValue
    }
}
