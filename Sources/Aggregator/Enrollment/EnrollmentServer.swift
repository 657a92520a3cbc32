import Foundation
import Hummingbird
import HummingbirdHTTP2
import Logging
import NIOCore
import NIOSSL
import Shared

/// The enrollment listener: HTTPS with the aggregator's server certificate and no client
/// certificate (the agent has none yet). `POST /v1/enroll` with `{"token", "csr"}` (JSON, the CSR
/// in PEM) answers `{"agent_id", "certificate", "ca", "not_after_ms"}` or an error
/// `{"error": {"code", "message"}}` (docs/OPERATIONS.md, "Enroll an agent").
enum EnrollmentServer {
    struct Request: Decodable {
        var token: String
        var csr: String
    }

    static func application(
        settings: EnrollmentSettings, tls: TLSConfiguration, issuer: CertificateIssuer, logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let router = Router()
        router.get("healthz") { _, _ in "ok\n" }
        router.post("v1/enroll") { request, _ -> Response in
            guard let buffer = try? await request.body.collect(upTo: 64 << 10),
                let body = try? JSONDecoder().decode(Request.self, from: Data(buffer.readableBytesView))
            else {
                return reply(.failure(.badRequest("expected a JSON body {\"token\": \"cwe_…\", \"csr\": \"-----BEGIN CERTIFICATE REQUEST-----…\"} of at most 64 KiB")))
            }
            return reply(issuer.enroll(token: body.token, csrPEM: body.csr, nowMs: Int64(Date().timeIntervalSince1970 * 1000)))
        }
        return Application(
            router: router, server: try .http2Upgrade(tlsConfiguration: tls),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: nil),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? settings.port) }, logger: logger)
    }

    /// The issued certificate, or the refusal as `{"error": {"code", "message"}}` with its status.
    static func reply(_ result: Result<CertificateIssuer.Issued, EnrollmentRefusal>) -> Response {
        let status: HTTPResponse.Status
        let body: String
        switch result {
        case .success(let issued):
            (status, body) = (.ok, APIJSON.string(issued))
        case .failure(let refusal):
            status = HTTPResponse.Status(code: refusal.status)
            body = APIJSON.string(["error": ["code": refusal.code, "message": refusal.description]])
        }
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
