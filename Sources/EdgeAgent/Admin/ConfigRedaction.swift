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
        let line = SourceURL.redactingCredentials(in: line)
        // `key: value` where the key names a secret.
        guard let colon = line.firstIndex(of: ":") else { return line }
        let key = line[..<colon].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "-\"' ")).lowercased()
        guard secretKeys.contains(where: { key.contains($0) }), !key.hasSuffix("_file"), !key.hasSuffix("_path") else { return line }
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty else { return line }
        return String(line[...colon]) + " \"***\""
    }
}
