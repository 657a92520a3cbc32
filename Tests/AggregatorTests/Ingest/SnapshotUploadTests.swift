@testable import Aggregator
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Shared
import Testing
import TestSupport

/// The snapshot lane's receiving end on a real `aggregator serve`: `PUT /v1/snapshots/{camera}/{name}`
/// over mutual TLS (stored durably, idempotent, every refusal a clear JSON error), and the
/// operations API serving what was stored.
@Suite struct SnapshotUploadTests {
    /// A valid 1×1 grey PNG.
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53, 0xDE, 0x00, 0x00, 0x00, 0x0C, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x38, 0x71, 0xE2, 0x04, 0x00, 0x04, 0xB4, 0x02, 0x59, 0x16, 0x2E, 0x81, 0x40, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]

    struct Reply {
        var status: Int
        var body: [UInt8]
        var errorCode: String? {
            ((try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]).flatMap { ($0["error"] as? [String: Any])?["code"] as? String }
        }
    }

    static func put(_ path: String, _ body: [UInt8], contentType: String = "image/png", port: Int, client: HTTPClient) async throws -> Reply {
        var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)\(path)")
        request.method = .PUT
        request.headers.add(name: "Content-Type", value: contentType)
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .seconds(20))
        return Reply(status: Int(response.status.code), body: Array(try await response.body.collect(upTo: 1 << 20).readableBytesView))
    }

    @Test func uploads_areStoredOnce_refusedClearly_andServedByTheAPI() async throws {
        let aggregator = try AggregatorFixture(extraConfig: """
            api: {host: 127.0.0.1, port: 0}
            snapshots: {max_file_bytes: 4096}
            """)
        try await aggregator.start()
        do { try await exercise(aggregator) } catch {
            await aggregator.cleanUp()
            throw error
        }
        await aggregator.cleanUp()
    }

    func exercise(_ aggregator: AggregatorFixture) async throws {
        let apiPort = Int(try await aggregator.server!.waitFor(#"api_port=(\d+)"#)) ?? 0
        let port = aggregator.port

        try await aggregator.withClient(agent: "agent-1") { client in
            let name = "cam-1-01-1790000000000.png"
            let first = try await Self.put("/v1/snapshots/cam-1-01/\(name)", Self.png, port: port, client: client)
            #expect(first.status == 201, "\(String(decoding: first.body, as: UTF8.self))")
            let again = try await Self.put("/v1/snapshots/cam-1-01/\(name)", Self.png, port: port, client: client)
            #expect(again.status == 200, "a resend of a stored name is a success")
            let stored = try Data(contentsOf: aggregator.directory.appendingPathComponent("snapshots/agent-1/\(name)"))
            #expect(Array(stored) == Self.png)

            let refusals: [(String, [UInt8], String, Int, String)] = [
                ("/v1/snapshots/cam-2-01/cam-2-01-1.png", Self.png, "image/png", 403, "camera_not_owned"),
                ("/v1/snapshots/cam-9-99/cam-9-99-1.png", Self.png, "image/png", 403, "unknown_camera"),
                ("/v1/snapshots/cam-1-01/cam-1-01-1.jpg", Self.png, "image/png", 400, "bad_name"),
                ("/v1/snapshots/cam-1-01/other-1.png", Self.png, "image/png", 400, "bad_name"),
                ("/v1/snapshots/cam-1-01/cam-1-01-2.png", Self.png, "image/jpeg", 415, "unsupported_media_type"),
                ("/v1/snapshots/cam-1-01/cam-1-01-3.png", Array("GIF89a".utf8), "image/png", 400, "not_png"),
                ("/v1/snapshots/cam-1-01/cam-1-01-4.png", Self.png + [UInt8](repeating: 0, count: 5_000), "image/png", 413, "snapshot_too_large"),
            ]
            for (path, body, type, status, code) in refusals {
                let reply = try await Self.put(path, body, contentType: type, port: port, client: client)
                #expect(reply.status == status && reply.errorCode == code, "\(path): \(reply.status) \(String(decoding: reply.body, as: UTF8.self))")
            }
        }
        // Nothing of the refused uploads was kept.
        let kept = try FileManager.default.contentsOfDirectory(atPath: aggregator.directory.appendingPathComponent("snapshots/agent-1").path)
        #expect(kept == ["cam-1-01-1790000000000.png"])

        // The operations API lists and serves it to a viewer token.
        let made = try ProcessRunner.run("aggregator", ["token", "create", "--config", aggregator.configPath, "--role", "viewer", "--name", "snap", "--json"])
        let token = try #require((try JSONSerialization.jsonObject(with: Data(made.stdout.utf8)) as? [String: Any])?["token"] as? String)
        func get(_ path: String, token: String?) async throws -> (Int, [UInt8], String?) {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(apiPort)\(path)")
            if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            return (Int(response.status.code), Array(try await response.body.collect(upTo: 1 << 20).readableBytesView), response.headers.first(name: "Content-Type"))
        }
        let (listStatus, listBody, _) = try await get("/v1/snapshots", token: token)
        #expect(listStatus == 200)
        let list = (try JSONSerialization.jsonObject(with: Data(listBody)) as? [String: Any])?["snapshots"] as? [[String: Any]] ?? []
        #expect(list.map { "\($0["agent"] ?? "")/\($0["name"] ?? "")" } == ["agent-1/cam-1-01-1790000000000.png"])
        let (status, bytes, type) = try await get("/v1/snapshots/agent-1/cam-1-01-1790000000000.png", token: token)
        #expect(status == 200 && bytes == Self.png && type == "image/png")
        #expect(try await get("/v1/snapshots/agent-1/cam-1-01-404.png", token: token).0 == 404)
        #expect(try await get("/v1/snapshots/agent-1/..%2Fevents.sqlite", token: token).0 == 404)
        #expect(try await get("/v1/snapshots", token: nil).0 == 401)
        #expect(try await get("/v1/snapshots?agent=..", token: token).0 == 400, "no listing outside the archive")
        #expect(try await get("/v1/snapshots?agent=..%2F..%2Fetc", token: token).0 == 400)
    }
}
