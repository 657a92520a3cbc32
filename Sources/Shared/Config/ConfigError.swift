/// A configuration problem, located: `agent.yaml:12:7: cameras[0].fps: expected an integer, found "ten"`.
public struct ConfigError: Error, Hashable, CustomStringConvertible {
    public let file: String
    /// 1-based line and column, when the problem has a place in the file.
    public let line: Int?
    public let column: Int?
    /// Dotted key path (`cameras[0].zones[2].polygon`), empty for the whole document.
    public let keyPath: String
    public let message: String

    public init(file: String, line: Int?, column: Int?, keyPath: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String {
        var place = file
        if let line { place += ":\(line)" }
        if let column { place += ":\(column)" }
        return keyPath.isEmpty ? "\(place): \(message)" : "\(place): \(keyPath): \(message)"
    }
}

/// Thrown from a configuration type's `init(from:)` to reject a value that parsed but makes no
/// sense (a negative fps, a self-intersecting polygon). The loader adds file, line and key path.
public struct ConfigValueError: Error, Hashable {
    public let message: String
    /// Optional sub-path below the value being decoded (e.g. `polygon[3]`).
    public let subPath: String?

    public init(_ message: String, at subPath: String? = nil) {
        self.message = message
        self.subPath = subPath
    }
}
