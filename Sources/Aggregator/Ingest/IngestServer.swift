import Foundation
import Hummingbird
import HummingbirdHTTP2
import Logging
import NIOCore
import NIOSSL
import Shared

/// The ingest listener: HTTPS (HTTP/2 and HTTP/1.1 by ALPN) requiring a client certificate
/// from the fleet CA; `POST /v1/batches`, `PUT /v1/snapshots/{camera}/{name}`, `POST /v1/renew` and
/// `GET /healthz`.
enum IngestServer {
    /// The compressed-body cap is the ingestor's decoder limit (`ingest.max_body_bytes`): one
    /// number, checked from Content-Length, while reading, and by the decoder.
    static func application(
        settings: IngestSettings, trustDomain: String, tls: TLSConfiguration, ingestor: BatchIngestor, gate: AdmissionGate, logger: Logger,
        issuer: CertificateIssuer? = nil, snapshots: SnapshotArchive? = nil, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let router = Router(context: IngestRequestContext.self)
        router.get("healthz") { _, _ in "ok\n" }
        router.post("v1/batches") { request, context in
            await handleBatch(request, context: context, settings: settings, trustDomain: trustDomain, ingestor: ingestor, gate: gate)
        }
        router.post("v1/renew") { request, context in
            await renew(request, context: context, trustDomain: trustDomain, issuer: issuer)
        }
        router.put("v1/snapshots/:camera/:name") { request, context in
            await handleSnapshot(request, context: context, settings: settings, trustDomain: trustDomain, ingestor: ingestor, gate: gate, archive: snapshots)
        }
        return Application(
            router: router,
            server: try .http2Upgrade(tlsConfiguration: tls),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: nil),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? settings.port) },
            logger: logger)
    }

    /// The agent a request comes from: its client certificate's identity, unless revoked.
    static func authenticate(_ context: IngestRequestContext, trustDomain: String, ingestor: BatchIngestor) async -> Result<String, IngestFailure> {
        guard let certificate = await context.peerCertificate() else {
            return .failure(IngestFailure(status: 401, code: "no_client_certificate", message: "a client certificate is required"))
        }
        let agent: String
        do {
            agent = try AgentIdentity(peerCertificate: certificate, trustDomain: trustDomain).agentID
        } catch {
            return .failure(.forbidden("bad_identity", "\(error)"))
        }
        if let actions = ingestor.actions, (try? actions.isRevokedRecently(agent)) != false {
            // 401, not 403: the agent keeps its events spooled (403 would dead-letter them) until it
            // is reinstated or re-enrolled.
            return .failure(IngestFailure(status: 401, code: "agent_revoked", message: "agent '\(agent)' is revoked; its events stay in its spool"))
        }
        return .success(agent)
    }

    static func handleBatch(
        _ request: Request, context: IngestRequestContext, settings: IngestSettings, trustDomain: String, ingestor: BatchIngestor,
        gate: AdmissionGate
    ) async -> Response {
        let maxBody = ingestor.limits.maxCompressedBytes
        let agent: String
        switch await authenticate(context, trustDomain: trustDomain, ingestor: ingestor) {
        case .success(let a): agent = a
        case .failure(let refusal): return failure(refusal, settings)
        }
        do {
            try BatchMediaType.check(contentType: request.headers[.contentType], contentEncoding: request.headers[.contentEncoding])
        } catch {
            return failure(.from(error), settings)
        }
        let tooLarge = { (length: Int?) in IngestFailure.from(.compressedTooLarge(length ?? maxBody + 1, limit: maxBody)) }
        if let length = declaredLength(request), length > maxBody { return failure(tooLarge(length), settings) }
        guard gate.tryEnter() else {
            return failure(.unavailable("overloaded", "too many batches in progress; retry later"), settings)
        }
        defer { gate.leave() }
        let body: [UInt8]
        switch await readBody(request, limit: maxBody, tooLarge: tooLarge) {
        case .success(let bytes): body = bytes
        case .failure(let refusal): return failure(refusal, settings)
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

    /// `PUT /v1/snapshots/{camera}/{name}`: an annotated frame (PNG) from a camera the agent owns.
    /// 201 when stored, 200 when that name was stored before (a resend), else the error JSON.
    static func handleSnapshot(
        _ request: Request, context: IngestRequestContext, settings: IngestSettings, trustDomain: String, ingestor: BatchIngestor,
        gate: AdmissionGate, archive: SnapshotArchive?
    ) async -> Response {
        let agent: String
        switch await authenticate(context, trustDomain: trustDomain, ingestor: ingestor) {
        case .success(let a): agent = a
        case .failure(let refusal): return failure(refusal, settings)
        }
        guard let archive else {
            return failure(IngestFailure(status: 404, code: "no_snapshot_archive", message: "this aggregator keeps no snapshots"), settings)
        }
        let camera = context.parameters.get("camera") ?? "", name = context.parameters.get("name") ?? ""
        if case .failure(let refusal) = ingestor.cameraIndex(camera, ownedBy: agent, field: "camera") { return failure(refusal, settings) }
        guard name.hasPrefix(camera + "-") else {
            return failure(IngestFailure(status: 400, code: "bad_name", message: "a snapshot of camera '\(camera)' is named '\(camera)-….png'", field: "name"), settings)
        }
        guard request.headers[.contentType]?.lowercased().hasPrefix("image/png") == true else {
            return failure(IngestFailure(status: 415, code: "unsupported_media_type", message: "a snapshot is sent as image/png"), settings)
        }
        let limit = archive.settings.maxFileBytes
        let tooLarge = { (length: Int?) in
            IngestFailure(status: 413, code: "snapshot_too_large", message: "a snapshot may have at most \(limit) bytes" + (length.map { ", not \($0)" } ?? ""))
        }
        if let length = declaredLength(request), length > limit { return failure(tooLarge(length), settings) }
        // Uploads share the batches' bound on requests in progress (and so on memory).
        guard gate.tryEnter() else {
            return failure(.unavailable("overloaded", "too many requests in progress; retry later"), settings)
        }
        defer { gate.leave() }
        let png: [UInt8]
        switch await readBody(request, limit: limit, tooLarge: tooLarge) {
        case .success(let bytes): png = bytes
        case .failure(let refusal): return failure(refusal, settings)
        }
        do {
            struct Stored: Encodable { let agent: String, name: String, stored: Bool }
            let outcome = try archive.store(agent: agent, name: name, png: png)
            return APIJSON.response(Stored(agent: agent, name: name, stored: outcome == .stored), status: outcome == .stored ? .created : .ok)
        } catch {
            return failure(error, settings)
        }
    }

    /// `POST /v1/renew`: the CSR (PEM body) of an agent whose current certificate identifies it.
    static func renew(_ request: Request, context: IngestRequestContext, trustDomain: String, issuer: CertificateIssuer?) async -> Response {
        guard let issuer else {
            return EnrollmentServer.reply(.failure(.badRequest("this aggregator does not issue certificates (no 'enrollment' section)")))
        }
        guard let certificate = await context.peerCertificate(),
            let agent = try? AgentIdentity(peerCertificate: certificate, trustDomain: trustDomain).agentID
        else {
            return EnrollmentServer.reply(.failure(.badRequest("renewal needs the agent's current client certificate")))
        }
        guard let buffer = try? await request.body.collect(upTo: 64 << 10) else {
            return EnrollmentServer.reply(.failure(.badRequest("the CSR must be a PEM body of at most 64 KiB")))
        }
        return EnrollmentServer.reply(issuer.renew(agent: agent, csrPEM: String(buffer: buffer), nowMs: Int64(Date().timeIntervalSince1970 * 1000)))
    }

    /// The body's length as the request declares it (nil without a Content-Length).
    static func declaredLength(_ request: Request) -> Int? { request.headers[.contentLength].flatMap(Int.init) }

    /// The request's body, read up to `limit` bytes: a longer one is `tooLarge(nil)`, one that
    /// cannot be read a 400 `unreadable_body`.
    static func readBody(_ request: Request, limit: Int, tooLarge: (Int?) -> IngestFailure) async -> Result<[UInt8], IngestFailure> {
        do {
            return .success(Array(try await request.body.collect(upTo: limit).readableBytesView))
        } catch let error as HTTPError where error.status == .contentTooLarge {
            return .failure(tooLarge(nil))
        } catch {
            return .failure(IngestFailure(status: 400, code: "unreadable_body", message: "the request body could not be read: \(error)"))
        }
    }

    static func failure(_ failure: IngestFailure, _ settings: IngestSettings) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter = failure.retryAfter(seconds: settings.retryAfterSeconds) { headers[.retryAfter] = retryAfter }
        return Response(
            status: HTTPResponse.Status(code: failure.status), headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: failure.jsonBody)))
    }
}
