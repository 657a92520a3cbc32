import Foundation

/// HTTP headers of a batch request (docs/PROTOCOL.md).
public enum BatchMediaType {
    /// `Content-Type` of a `POST /v1/batches` body.
    public static let contentType = "application/vnd.citywatch.batch.v1+protobuf"
    /// `Content-Encoding` of the body: always zstd.
    public static let contentEncoding = "zstd"
    /// `Content-Type` of a 200 answer (`BatchAck`).
    public static let ackContentType = "application/vnd.citywatch.ack.v1+protobuf"

    /// Checks the request's headers; a mismatch is a 415.
    public static func check(contentType: String?, contentEncoding: String?) throws(BatchError) {
        let type = contentType?.split(separator: ";").first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        guard type == Self.contentType else {
            throw .unsupportedMediaType("Content-Type must be \(Self.contentType), got \(contentType ?? "none")")
        }
        guard contentEncoding?.trimmingCharacters(in: .whitespaces).lowercased() == Self.contentEncoding else {
            throw .unsupportedMediaType("Content-Encoding must be zstd, got \(contentEncoding ?? "none")")
        }
    }
}
