import Foundation
import Yams

/// Loads YAML configuration into `Decodable` types with errors that a field technician can act on:
/// every problem names the file, the line and column, and the key path.
///
/// Beyond a plain decoder it refuses keys that the target type does not read (a typo such as
/// `fsp: 10` is an error, not a silently ignored line). A key counts as read when the type's
/// `init(from:)` asked for it, present or not; synthesized and hand-written decoders that
/// `decodeIfPresent` their optional keys behave alike.
public enum ConfigLoader {
    public static func load<T: Decodable>(_ type: T.Type, fromFile path: String) throws(ConfigError) -> T {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigError(file: path, line: nil, column: nil, keyPath: "", message: "cannot read: \(error.localizedDescription)")
        }
        return try decode(type, yaml: text, file: path)
    }

    /// A problem found after decoding (a file the configuration names is missing, a certificate
    /// expired), placed at the line of `keyPath` (e.g. `shipping.tls.certificate`) in `file`.
    public static func problem(in file: String, at keyPath: String, _ message: String) -> ConfigError {
        let root = (try? String(contentsOfFile: file, encoding: .utf8)).flatMap { try? Yams.compose(yaml: $0) }
        let node = root.flatMap { YAMLDecodingState.node(at: ConfigKeyPath.parse(keyPath), in: $0) }
        return ConfigError(file: file, line: node?.mark?.line, column: node?.mark?.column, keyPath: keyPath, message: message)
    }

    /// Decodes `yaml`; `file` is the name used in errors.
    public static func decode<T: Decodable>(_ type: T.Type, yaml: String, file: String) throws(ConfigError) -> T {
        let root: Node
        do {
            root = try Yams.compose(yaml: yaml) ?? Node.mapping(.init([]))
        } catch let error as YamlError {
            throw syntaxError(error, file: file)
        } catch {
            throw ConfigError(file: file, line: nil, column: nil, keyPath: "", message: "\(error)")
        }
        let state = YAMLDecodingState()
        let value: T
        do {
            value = try T(from: YAMLNodeDecoder(node: root, codingPath: [], state: state))
        } catch let error as ConfigError {
            throw error
        } catch let error as DecodingError {
            throw locate(error, root: root, file: file)
        } catch let error as ConfigValueError {
            // Children's value errors arrive wrapped in DecodingError; a bare one is the root's.
            throw located(root: root, path: [], sub: error.subPath, file: file, message: error.message)
        } catch {
            throw ConfigError(file: file, line: nil, column: nil, keyPath: "", message: "\(error)")
        }
        if let unknown = state.unknownKeys(in: root).first {
            throw ConfigError(
                file: file, line: unknown.mark?.line, column: unknown.mark?.column, keyPath: unknown.path,
                message: "unknown key '\(unknown.key)'" + suggestion(unknown))
        }
        return value
    }

    private static func suggestion(_ unknown: YAMLDecodingState.UnknownKey) -> String {
        let close = unknown.known.min { editDistance($0, unknown.key) < editDistance($1, unknown.key) }
        guard let close, editDistance(close, unknown.key) <= 2 else {
            return unknown.known.isEmpty ? "" : " (expected one of: \(unknown.known.sorted().joined(separator: ", ")))"
        }
        return " (did you mean '\(close)'?)"
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    private static func syntaxError(_ error: YamlError, file: String) -> ConfigError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let text = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
            return ConfigError(file: file, line: mark.line, column: mark.column, keyPath: "", message: "YAML syntax: \(text)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ConfigError(
                file: file, line: context.mark.line, column: context.mark.column, keyPath: "",
                message: "duplicate key \(duplicates.joined(separator: ", "))")
        default:
            return ConfigError(file: file, line: nil, column: nil, keyPath: "", message: "YAML: \(error)")
        }
    }

    private static func locate(_ error: DecodingError, root: Node, file: String) -> ConfigError {
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            if let underlying = context.underlyingError as? ConfigValueError {
                return located(root: root, path: context.codingPath, sub: underlying.subPath, file: file, message: underlying.message)
            }
            return located(root: root, path: context.codingPath, sub: nil, file: file, message: context.debugDescription)
        case .keyNotFound(let key, let context):
            let node = YAMLDecodingState.node(at: context.codingPath, in: root)
            return ConfigError(
                file: file, line: node?.mark?.line, column: node?.mark?.column,
                keyPath: ConfigKeyPath.render(context.codingPath + [key]), message: "required key is missing")
        @unknown default:
            return ConfigError(file: file, line: nil, column: nil, keyPath: "", message: "\(error)")
        }
    }

    private static func located(root: Node, path: [any CodingKey], sub: String?, file: String, message: String) -> ConfigError {
        let node = YAMLDecodingState.node(at: path + ConfigKeyPath.parse(sub ?? ""), in: root)
        var keyPath = ConfigKeyPath.render(path)
        if let sub { keyPath += sub.hasPrefix("[") || keyPath.isEmpty ? sub : ".\(sub)" }
        return ConfigError(file: file, line: node?.mark?.line, column: node?.mark?.column, keyPath: keyPath, message: message)
    }
}
