import Crypto
import Foundation
@testable import Shared
import SwiftASN1
import Testing
import X509

@Suite struct AgentCSRTests {
    let identity = try! AgentIdentity(trustDomain: "testcity", agentID: "agent-1")

    @Test func aRequestRoundTrips_andIsIssuedOnItsOwnKey() throws {
        let key = P256.Signing.PrivateKey()
        let made = try AgentCSR.make(identity: identity, key: key)
        let parsed = try AgentCSR(pem: made.pem, trustDomain: "testcity")
        #expect(parsed.identity == identity)
        let ca = try CertificateAuthority.create(trustDomain: "testcity")
        let now = Date()
        let certificate = try ca.issueAgent(parsed, validity: 30, now: now)
        #expect(try AgentIdentity(certificate: certificate, trustDomain: "testcity") == identity)
        #expect(certificate.publicKey == Certificate.PublicKey(key.publicKey))
        #expect(abs(certificate.notValidAfter.timeIntervalSince(now) - 30) < 1)
        #expect(abs(now.timeIntervalSince(certificate.notValidBefore) - 3) < 1, "back-dated by a tenth of a short lifetime")
        let long = try ca.issueAgent(parsed, validity: 90 * 86_400, now: now)
        #expect(abs(now.timeIntervalSince(long.notValidBefore) - 300) < 1, "and by at most five minutes")
    }

    @Test func aTamperedRequest_orAnotherTrustDomain_orGarbage_isRefused() throws {
        let made = try AgentCSR.make(identity: identity, key: P256.Signing.PrivateKey())
        #expect(throws: AgentCSRError.noIdentity("spiffe://testcity/agent/agent-1 is not in trust domain spiffe://othercity")) {
            try AgentCSR(pem: made.pem, trustDomain: "othercity")
        }
        // Swap in another key's signature: the request no longer verifies.
        let other = try AgentCSR.make(identity: try AgentIdentity(trustDomain: "testcity", agentID: "agent-2"), key: P256.Signing.PrivateKey())
        let a = try CertificateSigningRequest(pemEncoded: made.pem), b = try CertificateSigningRequest(pemEncoded: other.pem)
        let forged = try CertificateSigningRequest(
            version: a.version, subject: a.subject, publicKey: a.publicKey, attributes: a.attributes, signatureAlgorithm: a.signatureAlgorithm,
            signature: b.signature)
        #expect(throws: AgentCSRError.badSignature) { try AgentCSR(pem: try forged.serializeAsPEM().pemString, trustDomain: "testcity") }
        #expect(throws: AgentCSRError.self) { try AgentCSR(pem: "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----", trustDomain: "testcity") }
    }
}
