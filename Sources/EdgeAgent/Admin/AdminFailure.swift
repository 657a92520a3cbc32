import Foundation
import Hummingbird

/// An admin request that cannot be served: a status and a JSON body `{"error", "message"}`, which
/// the CLI prints as is.
enum AdminFailure: Error, HTTPResponseError {
    case notFound(String)
    case badRequest(String)
    case unavailable(String)
    case timeout(String)

    var status: HTTPResponse.Status {
        switch self {
        case .notFound: .notFound
        case .badRequest: .badRequest
        case .unavailable: .serviceUnavailable
        case .timeout: .gatewayTimeout
        }
    }

    var code: String {
        switch self {
        case .notFound: "not_found"
        case .badRequest: "bad_request"
        case .unavailable: "unavailable"
        case .timeout: "timeout"
        }
    }

    var message: String {
        switch self {
        case .notFound(let m), .badRequest(let m), .unavailable(let m), .timeout(let m): m
        }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = try JSONSerialization.data(withJSONObject: ["error": code, "message": message], options: [.sortedKeys])
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
