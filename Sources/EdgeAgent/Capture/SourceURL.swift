import Foundation

/// Camera source URLs as they may be shown: in logs, status and diagnostics. One scanner masks the
/// password of every `scheme://user:password@host` in any text — a source, an ffmpeg error line, a
/// configuration file (`ConfigRedaction`).
enum SourceURL {
    /// A source URL with its password (`rtsp://user:secret@host`) replaced by `***`.
    static func redacted(_ source: String) -> String { redactingCredentials(in: source) }

    /// `text` with the password of every URL in it replaced by `***`. A URL ends at whitespace,
    /// a quote, a comma or a closing bracket; its credentials end at the last `@` before the path.
    static func redactingCredentials(in text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let scheme = rest.range(of: "://") {
            out += rest[..<scheme.upperBound]
            rest = rest[scheme.upperBound...]
            let end = rest.firstIndex { " \t\"',}]".contains($0) } ?? rest.endIndex
            let authorityEnd = rest[..<end].firstIndex(of: "/") ?? end
            if let at = rest[..<authorityEnd].lastIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") {
                out += rest[...colon]
                out += "***"
                rest = rest[at...]
            }
        }
        return out + rest
    }
}
