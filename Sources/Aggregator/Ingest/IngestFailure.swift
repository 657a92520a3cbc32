import Foundation
import Shared

/// Why a batch was refused, as the agent sees it: an HTTP status and a JSON body
/// `{"error": {"code", "message", "field"?}}`. 4xx other than 429 are permanent (the agent
/// dead-letters the batch); 429/503 carry Retry-After.
struct IngestFailure: Error, Sendable, Hashable {
    var status: Int
    var code: String
    var message: String
    var field: String?

    static func from(_ error: BatchError) -> IngestFailure {
        IngestFailure(status: error.httpStatus, code: error.codeName, message: error.message, field: error.field)
    }

    static func forbidden(_ code: String, _ message: String, field: String? = nil) -> IngestFailure {
        IngestFailure(status: 403, code: code, message: message, field: field)
    }

    /// 503: `overloaded` (too many batches in progress) or `store_unavailable`.
    static func unavailable(_ code: String, _ message: String) -> IngestFailure {
        IngestFailure(status: 503, code: code, message: message)
    }

    var isRetryable: Bool { status == 429 || status == 503 }

    /// The `Retry-After` value for this failure: set on retryable ones only.
    func retryAfter(seconds: Int) -> String? { isRetryable ? String(seconds) : nil }

    var jsonBody: [UInt8] {
        var error: [String: String] = ["code": code, "message": message]
        if let field { error["field"] = field }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return Array((try? encoder.encode(["error": error])) ?? Data(#"{"error":{"code":"internal"}}"#.utf8))
    }
}
