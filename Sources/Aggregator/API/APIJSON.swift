import Foundation
import Hummingbird
import NIOCore

/// JSON bodies of the operations API: sorted keys, one encoder configuration for every route.
enum APIJSON {
    static func data<T: Encodable>(_ value: T) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)) ?? Data("{}".utf8)
    }

    static func string<T: Encodable>(_ value: T) -> String { String(decoding: data(value), as: UTF8.self) }

    static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data(value))))
    }

    /// `{"error": {"code": ..., "message": ...}}` with the status.
    static func error(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> Response {
        struct Body: Encodable {
            struct Inner: Encodable { let code: String; let message: String }
            let error: Inner
        }
        return response(Body(error: .init(code: code, message: message)), status: status)
    }
}

/// A refusal a handler throws; the router turns it into its JSON error response.
struct APIFailure: Error {
    var status: HTTPResponse.Status
    var code: String
    var message: String

    static func badParameter(_ name: String, _ message: String) -> APIFailure {
        APIFailure(status: .badRequest, code: "bad_parameter", message: "\(name): \(message)")
    }

    static func notFound(_ what: String) -> APIFailure { APIFailure(status: .notFound, code: "not_found", message: "\(what) not found") }
}
