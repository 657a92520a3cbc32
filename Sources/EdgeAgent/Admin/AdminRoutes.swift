import AsyncAlgorithms
import Foundation
import Hummingbird
import Shared

/// The admin socket's routes (all JSON unless said otherwise), documented in docs/OPERATIONS.md:
///
/// - `GET /v1/status`, `GET /v1/cameras`, `GET /v1/spool`, `GET /v1/dead-letters`
/// - `GET /v1/cameras/{id}/snapshot`: the camera's next frame as an annotated PNG
/// - `GET /v1/events?limit=N[&follow=true]`: JSON lines; with follow, live until the client goes
/// - `POST /v1/dead-letters/requeue?file=NAME` (or `all=true`)
/// - `GET /v1/logs?limit=N` (text), `GET /v1/config` (the configuration, secrets masked)
enum AdminRoutes {
    static func router(_ context: AdminContext) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("v1/status") { _, _ in try json(context.status(nowMs: nowMs())) }
        router.get("v1/cameras") { _, _ in try json(context.board.cameras(nowMs: nowMs(), controls: context.controls)) }
        router.get("v1/spool") { _, _ in try json(context.spoolStatus(nowMs: nowMs())) }
        router.get("v1/dead-letters") { _, _ in try json(context.deadLetters.list()) }
        router.post("v1/dead-letters/requeue") { request, _ in try await requeue(request, context) }
        router.get("v1/cameras/:id/snapshot") { _, c in
            let id = try c.parameters.require("id")
            guard context.board.hasCamera(id) else { throw AdminFailure.notFound("no camera '\(id)' in this agent") }
            do {
                let png = try await context.board.snapshot(id, timeout: context.snapshotTimeout)
                return Response(status: .ok, headers: [.contentType: "image/png"], body: .init(byteBuffer: ByteBuffer(bytes: png)))
            } catch let timeout as SnapshotTimeout {
                throw AdminFailure.timeout(timeout.description)
            }
        }
        router.get("v1/events") { request, _ in try events(request, context) }
        router.get("v1/logs") { request, _ in
            let limit = try integer(request, "limit", default: 200, range: 1...10_000)
            let lines = context.logs?.all.suffix(limit) ?? []
            return Response(
                status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: lines.map { $0 + "\n" }.joined())))
        }
        router.get("v1/config") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/yaml; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: context.redactedConfiguration())))
        }
        return router
    }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    static func json(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(
            status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    static func integer(_ request: Request, _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = request.uri.queryParameters.get(name) else { return value }
        guard let n = Int(text), range.contains(n) else { throw AdminFailure.badRequest("\(name) must be an integer in \(range.lowerBound)...\(range.upperBound)") }
        return n
    }

    static func flag(_ request: Request, _ name: String) throws -> Bool {
        switch request.uri.queryParameters.get(name) {
        case nil, "false", "0": false
        case "true", "1", "": true
        case let other?: throw AdminFailure.badRequest("\(name) must be true or false, not '\(other)'")
        }
    }

    enum Line: Sendable {
        case event(Event)
        case keepAlive
    }

    /// The recent events as JSON lines; with `follow`, then every new one, and an empty line every
    /// 10 s so that a client gone away is noticed (its write fails) even when nothing happens.
    static func events(_ request: Request, _ context: AdminContext) throws -> Response {
        let limit = try integer(request, "limit", default: 20, range: 0...AgentStatusBoard.recentEventCapacity)
        let follow = try flag(request, "follow")
        let recent = context.board.recentEvents(limit: limit)
        let live = follow ? context.board.follow() : nil
        let body = ResponseBody { writer in
            var text = ""
            for event in recent { text += try event.jsonLine() + "\n" }
            if !text.isEmpty { try await writer.write(ByteBuffer(string: text)) }
            if let live {
                let ticks = AsyncTimerSequence(interval: .seconds(10), clock: .continuous).map { _ in Line.keepAlive }
                for await line in merge(live.map { Line.event($0) }, ticks) {
                    switch line {
                    case .event(let event): try await writer.write(ByteBuffer(string: try event.jsonLine() + "\n"))
                    case .keepAlive: try await writer.write(ByteBuffer(string: "\n"))
                    }
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: body)
    }

    struct Requeued: Encodable {
        var requeued: [String]
        var events: Int
        var failed: [String: String]
    }

    static func requeue(_ request: Request, _ context: AdminContext) async throws -> Response {
        let names: [String]
        if try flag(request, "all") {
            names = context.deadLetters.names()
        } else if let file = request.uri.queryParameters.get("file") {
            guard DeadLetters.isDeadLetter(file) else { throw AdminFailure.badRequest(DeadLetterError.notADeadLetter(file).description) }
            guard context.deadLetters.exists(file) else { throw AdminFailure.notFound("no dead letter '\(file)'") }
            names = [file]
        } else {
            throw AdminFailure.badRequest("say which dead letter: file=NAME or all=true")
        }
        var result = Requeued(requeued: [], events: 0, failed: [:])
        for name in names {
            do {
                result.events += try await context.requeue(name)
                result.requeued.append(name)
            } catch {
                result.failed[name] = "\(error)"
            }
        }
        return try json(result)
    }
}
