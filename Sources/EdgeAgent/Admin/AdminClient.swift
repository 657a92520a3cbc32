import AsyncHTTPClient
import Foundation
import Shared
import NIOCore
import NIOHTTP1

/// The CLI's side of the admin socket. Before any request it checks the socket itself, so that
/// "not running" and "not allowed" are told apart and said plainly.
struct AdminClient {
    let socketPath: String

    /// Fails with `AdminClientError` unless the daemon answers on the socket.
    func checkReachable() throws(AdminClientError) {
        switch AdminSocket.connectErrno(socketPath) {
        case 0: return
        case ENOENT, ENOTDIR: throw .notRunning(socketPath, stale: false)
        case ECONNREFUSED: throw .notRunning(socketPath, stale: true)
        case EACCES, EPERM: throw .permissionDenied(socketPath, group: Self.groupName(of: socketPath))
        case let code: throw .unreachable(socketPath, String(cString: strerror(code)))
        }
    }

    /// GET or POST `path` (with its query); the whole body, or an `AdminClientError.refused` with
    /// the daemon's message.
    func request(_ path: String, method: HTTPMethod = .GET, timeout: Duration = .seconds(30)) async throws -> [UInt8] {
        try checkReachable()
        return try await withClient { client in
            let response = try await send(client, path, method: method, timeout: timeout)
            let body = try await response.body.collect(upTo: 64 << 20)
            let bytes = Array(body.readableBytesView)
            guard response.status == .ok else { throw Self.refusal(status: response.status, body: bytes) }
            return bytes
        }
    }

    /// Streams the body of `path` chunk by chunk to `handle` until the daemon ends it.
    func stream(_ path: String, _ handle: ([UInt8]) throws -> Void) async throws {
        try checkReachable()
        try await withClient { client in
            let response = try await send(client, path, method: .GET, timeout: .seconds(365 * 86_400))
            guard response.status == .ok else {
                throw Self.refusal(status: response.status, body: Array(try await response.body.collect(upTo: 1 << 20).readableBytesView))
            }
            for try await chunk in response.body { try handle(Array(chunk.readableBytesView)) }
        }
    }

    func decode<T: Decodable>(_ type: T.Type, from path: String) async throws -> T {
        try JSONDecoder().decode(type, from: Data(try await request(path)))
    }

    private func send(_ client: HTTPClient, _ path: String, method: HTTPMethod, timeout: Duration) async throws -> HTTPClientResponse {
        guard let url = URL(httpURLWithSocketPath: socketPath, uri: path) else { throw AdminClientError.unreachable(socketPath, "not a usable socket path") }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        do {
            return try await client.execute(request, timeout: .nanoseconds(Int64(timeout.seconds * 1e9)))
        } catch {
            throw AdminClientError.unreachable(socketPath, "\(error)")
        }
    }

    private func withClient<T>(_ body: (HTTPClient) async throws -> T) async throws -> T {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    static func refusal(status: HTTPResponseStatus, body: [UInt8]) -> AdminClientError {
        let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        let message = object?["message"] as? String ?? String(decoding: body.prefix(500), as: UTF8.self)
        return .refused(status: Int(status.code), message)
    }

    static func groupName(of path: String) -> String? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.groupOwnerAccountName] as? String
    }
}

enum AdminClientError: Error, CustomStringConvertible {
    case notRunning(String, stale: Bool)
    case permissionDenied(String, group: String?)
    case unreachable(String, String)
    case refused(status: Int, String)

    var description: String {
        switch self {
        case .notRunning(let path, let stale):
            (stale ? "the agent is not running (stale admin socket \(path))" : "the agent is not running (no admin socket at \(path))")
                + "; check `systemctl status edge-agent`, or point the CLI at another agent with --socket or --config"
        case .permissionDenied(let path, let group):
            "permission denied on the admin socket \(path)"
                + (group.map { "; add yourself to group '\($0)' (sudo usermod -aG \($0) $USER) and log in again" } ?? "")
        case .unreachable(let path, let why): "cannot talk to the agent on \(path): \(why)"
        case .refused(let status, let message): "the agent refused the request (HTTP \(status)): \(message)"
        }
    }

    /// sysexits(3): 69 unavailable, 77 no permission, 1 otherwise.
    var exitCode: Int32 {
        switch self {
        case .notRunning, .unreachable: 69
        case .permissionDenied: 77
        case .refused: 1
        }
    }
}
