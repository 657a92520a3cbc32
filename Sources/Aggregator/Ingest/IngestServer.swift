import Hummingbird
import HummingbirdHTTP2
import Logging
import NIOCore
import NIOSSL
import Shared

/// The ingest listener: HTTPS (HTTP/2 and HTTP/1.1 by ALPN) requiring a client certificate
/// from the fleet CA; `POST /v1/batches` and `GET /healthz`.
enum IngestServer {
    struct Settings: Sendable {
        var host: String
        var port: Int
        var maxBodyBytes: Int
        var retryAfterSeconds: Int
        var trustDomain: String
    }

    static func application(
        settings: Settings, tls: TLSConfiguration, ingestor: BatchIngestor, gate: AdmissionGate, logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let router = Router(context: IngestRequestContext.self)
        router.get("healthz") { _, _ in "ok\n" }
        router.post("v1/batches") { request, context in
            await handleBatch(request, context: context, settings: settings, ingestor: ingestor, gate: gate)
        }
        return Application(
            router: router,
            server: try .http2Upgrade(tlsConfiguration: tls),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: nil),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? settings.port) },
            logger: logger)
    }

    static func handleBatch(
        _ request: Request, context: IngestRequestContext, settings: Settings, ingestor: BatchIngestor, gate: AdmissionGate
    ) async -> Response {
        guard let certificate = await context.peerCertificate() else {
            return failure(IngestFailure(status: 401, code: "no_client_certificate", message: "a client certificate is required"), settings)
        }
        let agent: String
        do {
            agent = try AgentIdentity(peerCertificate: certificate, trustDomain: settings.trustDomain).agentID
        } catch {
            return failure(.forbidden("bad_identity", "\(error)"), settings)
        }
        do {
            try BatchMediaType.check(contentType: request.headers[.contentType], contentEncoding: request.headers[.contentEncoding])
        } catch {
            return failure(.from(error), settings)
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > settings.maxBodyBytes {
            return failure(tooLarge(settings), settings)
        }
        guard gate.tryEnter() else {
            return failure(.unavailable("too many batches in progress; retry later"), settings)
        }
        defer { gate.leave() }
        let body: [UInt8]
        do {
            let buffer = try await request.body.collect(upTo: settings.maxBodyBytes)
            body = Array(buffer.readableBytesView)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            return failure(tooLarge(settings), settings)
        } catch {
            return failure(IngestFailure(status: 400, code: "unreadable_body", message: "the request body could not be read: \(error)"), settings)
        }
        switch await ingestor.ingest(body: body, agent: agent) {
        case .success(let ack):
            return Response(
                status: .ok, headers: [.contentType: BatchMediaType.ackContentType],
                body: .init(byteBuffer: ByteBuffer(bytes: ack.serializedBytes())))
        case .failure(let refusal):
            return failure(refusal, settings)
        }
    }

    private static func tooLarge(_ settings: Settings) -> IngestFailure {
        IngestFailure(status: 413, code: "body_too_large", message: "the compressed body exceeds \(settings.maxBodyBytes) bytes")
    }

    static func failure(_ failure: IngestFailure, _ settings: Settings) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if failure.isRetryable { headers[.retryAfter] = String(settings.retryAfterSeconds) }
        return Response(
            status: HTTPResponse.Status(code: failure.status), headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: failure.jsonBody)))
    }
}
