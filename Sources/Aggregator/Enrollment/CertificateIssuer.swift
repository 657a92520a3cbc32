import Foundation
import Logging
import Metrics
import Shared
import SwiftASN1
import X509

/// Signs agents' certificate requests: at enrollment (a one-time token names the agent) and at
/// renewal (the agent's current certificate names it). Either way the request must ask for that
/// identity, the agent must not be revoked, and each issue is recorded.
struct CertificateIssuer: Sendable {
    let authority: CertificateAuthority
    let validity: TimeInterval
    let actions: ActionStore
    let logger: Logger

    struct Issued: Encodable, Sendable {
        var agentID: String
        var certificate: String
        var ca: String
        var notAfterMs: Int64

        enum CodingKeys: String, CodingKey { case agentID = "agent_id", certificate, ca, notAfterMs = "not_after_ms" }
    }

    /// Loads the CA named by the configuration.
    static func load(_ settings: EnrollmentSettings, actions: ActionStore, logger: Logger) throws -> CertificateIssuer {
        let certificate = try PKIDirectory.loadCertificate(settings.caCertificate)
        guard let domain = PKIDirectory.trustDomain(ofCA: certificate) else {
            throw ConfigError(
                file: settings.caCertificate, line: nil, column: nil, keyPath: "enrollment.ca_certificate",
                message: "not a fleet CA: no spiffe:// trust domain in it")
        }
        let authority = try PKIDirectory.loadAuthority(certificatePath: settings.caCertificate, keyPath: settings.caKey, trustDomain: domain)
        return CertificateIssuer(authority: authority, validity: TimeInterval(settings.validitySeconds), actions: actions, logger: logger)
    }

    /// `POST /v1/enroll` on the enrollment listener.
    func enroll(token: String, csrPEM: String, nowMs: Int64) -> Result<Issued, EnrollmentRefusal> {
        let csr: AgentCSR
        do { csr = try AgentCSR(pem: csrPEM, trustDomain: authority.trustDomain) } catch { return refuse(.badRequest(error.description), how: "enroll") }
        do {
            if case .failure(let refusal) = try actions.redeemEnrollmentToken(token, agent: csr.identity.agentID, nowMs: nowMs) {
                return refuse(refusal, how: "enroll", agent: csr.identity.agentID)
            }
        } catch {
            return refuse(.badRequest("the operations database failed: \(error)"), how: "enroll")
        }
        return issue(csr, how: "enroll", nowMs: nowMs)
    }

    /// `POST /v1/renew` on the ingest listener; `agent` comes from the verified client certificate.
    func renew(agent: String, csrPEM: String, nowMs: Int64) -> Result<Issued, EnrollmentRefusal> {
        let csr: AgentCSR
        do { csr = try AgentCSR(pem: csrPEM, trustDomain: authority.trustDomain) } catch { return refuse(.badRequest(error.description), how: "renew", agent: agent) }
        guard csr.identity.agentID == agent else { return refuse(.identityMismatch(token: agent, requested: csr.identity.agentID), how: "renew", agent: agent) }
        if (try? actions.isRevoked(agent)) != false { return refuse(.revoked(agent), how: "renew", agent: agent) }
        return issue(csr, how: "renew", nowMs: nowMs)
    }

    private func issue(_ csr: AgentCSR, how: String, nowMs: Int64) -> Result<Issued, EnrollmentRefusal> {
        do {
            let certificate = try authority.issueAgent(csr, validity: validity, now: Date(timeIntervalSince1970: Double(nowMs) / 1000))
            let notAfterMs = Int64(certificate.notValidAfter.timeIntervalSince1970 * 1000)
            try actions.recordIssued(
                serial: certificate.serialNumber.description, agent: csr.identity.agentID, notAfterMs: notAfterMs, how: how, nowMs: nowMs)
            Counter(label: "citywatch_enrollment_total", dimensions: [("how", how), ("result", "issued")]).increment()
            logger.notice("agent certificate issued", metadata: ["agent": "\(csr.identity.agentID)", "how": "\(how)", "not_after_ms": "\(notAfterMs)"])
            return .success(Issued(
                agentID: csr.identity.agentID, certificate: try certificate.serializeAsPEM().pemString,
                ca: try authority.certificate.serializeAsPEM().pemString, notAfterMs: notAfterMs))
        } catch {
            return refuse(.badRequest("issuing failed: \(error)"), how: how, agent: csr.identity.agentID)
        }
    }

    private func refuse(_ refusal: EnrollmentRefusal, how: String, agent: String? = nil) -> Result<Issued, EnrollmentRefusal> {
        Counter(label: "citywatch_enrollment_total", dimensions: [("how", how), ("result", refusal.code)]).increment()
        logger.warning("certificate request refused", metadata: ["how": "\(how)", "agent": "\(agent ?? "?")", "code": "\(refusal.code)", "reason": "\(refusal)"])
        return .failure(refusal)
    }
}
