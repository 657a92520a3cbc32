import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import NIOSSL
import ServiceLifecycle
import Shared
import X509

/// Renews the agent's certificate before it expires, without stopping shipping: a new key and
/// CSR go to `POST /v1/renew` over the current mTLS connection; the aggregator's certificate is
/// installed with the key (`CertificateFiles`) and the shipping client switches to it
/// (`ShippingClient.reload`). Events keep flowing meanwhile: batches in flight finish on the old
/// connection, the next ones use the new certificate.
struct CertificateRenewalService: Service {
    let files: CertificateFiles
    let client: ShippingClient
    let endpoints: [String]
    let agentID: String
    let logger: Logger

    func run() async throws {
        let renewed = Counter(label: "citywatch_agent_certificate_renewals_total", dimensions: [("result", "renewed")])
        let failed = Counter(label: "citywatch_agent_certificate_renewals_total", dimensions: [("result", "failed")])
        await cancelWhenGracefulShutdown {
            var failures = 0
            while !Task.isCancelled {
                let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
                var delay: Int64 = 60_000
                if let policy = currentPolicy() {
                    if policy.isDue(nowMs: nowMs) {
                        do {
                            try await renew(endpoint: endpoints[failures % endpoints.count])
                            renewed.increment()
                            failures = 0
                        } catch {
                            failed.increment()
                            failures += 1
                            logger.warning("certificate renewal failed; will retry", metadata: ["error": "\(error)", "failures": "\(failures)"])
                        }
                    }
                    // After a renewal the old policy says "due": the next look, a second later, reads the new certificate.
                    delay = policy.nextCheckDelayMs(nowMs: Int64(Date().timeIntervalSince1970 * 1000), failures: failures)
                }
                do { try await Task.sleep(for: .milliseconds(delay)) } catch { return }
            }
        }
    }

    private func currentPolicy() -> RenewalPolicy? {
        guard let certificate = try? PKIDirectory.loadCertificate(files.certificatePath) else { return nil }
        return RenewalPolicy(
            notBeforeMs: Int64(certificate.notValidBefore.timeIntervalSince1970 * 1000),
            notAfterMs: Int64(certificate.notValidAfter.timeIntervalSince1970 * 1000))
    }

    private func renew(endpoint: String) async throws {
        let certificate = try PKIDirectory.loadCertificate(files.certificatePath)
        let identity = try AgentIdentity(certificate: certificate, trustDomain: Self.trustDomain(of: certificate) ?? "")
        let key = P256.Signing.PrivateKey()
        let csr = try AgentCSR.make(identity: identity, key: key)
        var request = HTTPClientRequest(url: endpoint + "/v1/renew")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/pkcs10")
        request.body = .bytes(ByteBuffer(string: csr.pem))
        let response = try await client.current.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        let issued = try EnrollmentResponse.parse(status: Int(response.status.code), body: Array(body.readableBytesView))
        try files.install(certificatePEM: issued.certificate, key: key)
        try client.reload()
        logger.notice("certificate renewed", metadata: ["agent": "\(agentID)", "not_after_ms": "\(issued.notAfterMs)"])
    }

    /// The trust domain of an agent certificate's own identity URI.
    static func trustDomain(of certificate: Certificate) -> String? {
        let sans = try? certificate.extensions.subjectAlternativeNames
        for case .uniformResourceIdentifier(let uri) in sans ?? SubjectAlternativeNames() {
            if let identity = try? AgentIdentity(uri: uri) { return identity.trustDomain }
        }
        return nil
    }
}

/// The aggregator's answer to an enrollment or renewal.
struct EnrollmentResponse: Decodable {
    var agentID: String
    var certificate: String
    var ca: String
    var notAfterMs: Int64

    enum CodingKeys: String, CodingKey { case agentID = "agent_id", certificate, ca, notAfterMs = "not_after_ms" }

    /// The issued certificate, or an error carrying the aggregator's code and message.
    static func parse(status: Int, body: [UInt8]) throws -> EnrollmentResponse {
        if status == 200, let response = try? JSONDecoder().decode(EnrollmentResponse.self, from: Data(body)) { return response }
        let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        let error = object?["error"] as? [String: Any]
        throw EnrollmentError(status: status, code: error?["code"] as? String ?? "http_\(status)", message: error?["message"] as? String ?? String(decoding: body.prefix(300), as: UTF8.self))
    }
}

struct EnrollmentError: Error, CustomStringConvertible {
    var status: Int
    var code: String
    var message: String
    var description: String { "the aggregator refused (HTTP \(status), \(code)): \(message)" }
}
