import Foundation

/// Masks what must not leave the box in a diagnostics bundle: passwords in URLs
/// (`rtsp://user:secret@cam`) and the values of keys that name a secret (`password`, `token`,
/// `secret`, …). Paths to key files stay: they say where a key is, not what it is.
enum ConfigRedaction {
    static let secretKeys = ["password", "passwd", "secret", "token", "credential", "api_key", "apikey"]

    static func redact(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { redactLine(String($0)) }.joined(separator: "\n")
    }

    static func redactLine(_ line: String) -> String {
        var line = line
        // URL credentials, anywhere on the line.
        var searchFrom = line.startIndex
        while let scheme = line.range(of: "://", range: searchFrom..<line.endIndex) {
            let rest = line[scheme.upperBound...]
            let end = rest.firstIndex { $0 == " " || $0 == "\"" || $0 == "'" || $0 == "," || $0 == "}" || $0 == "]" } ?? line.endIndex
            if let at = line[scheme.upperBound..<end].lastIndex(of: "@"),
                let colon = line[scheme.upperBound..<at].firstIndex(of: ":")
            {
                line.replaceSubrange(line.index(after: colon)..<at, with: "***")
            }
            searchFrom = line.index(scheme.upperBound, offsetBy: 0)
            if searchFrom >= line.endIndex { break }
            searchFrom = line.index(after: searchFrom)
        }
        // `key: value` where the key names a secret.
        guard let colon = line.firstIndex(of: ":") else { return line }
        let key = line[..<colon].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "-\"' ")).lowercased()
        guard secretKeys.contains(where: { key.contains($0) }), !key.hasSuffix("_file"), !key.hasSuffix("_path") else { return line }
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty else { return line }
        return String(line[...colon]) + " \"***\""
    }
}
