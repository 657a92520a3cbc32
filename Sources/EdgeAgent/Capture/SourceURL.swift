import Foundation

/// Camera source URLs as they may be shown: in logs, status and diagnostics.
enum SourceURL {
    /// A source URL with its password (`rtsp://user:secret@host`) replaced by `***`.
    static func redacted(_ source: String) -> String {
        guard let scheme = source.range(of: "://"), let at = source[scheme.upperBound...].firstIndex(of: "@") else { return source }
        let credentials = source[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return source }
        return String(source[..<source.index(after: colon)]) + "***" + String(source[at...])
    }

    /// `text` (an ffmpeg error line, say) with every copy of `url` replaced by its redacted form.
    static func redacting(_ url: String, in text: String) -> String {
        let shown = redacted(url)
        return shown == url ? text : text.replacingOccurrences(of: url, with: shown)
    }
}
