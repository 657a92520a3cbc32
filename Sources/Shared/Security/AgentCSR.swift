import Crypto
import Foundation
import SwiftASN1
import X509

/// An agent's certificate signing request: its new public key and the identity it asks for, as a
/// `spiffe://<city>/agent/<id>` URI SAN in the request's extensions (what the issued certificate
/// will carry). The agent makes one to enroll and to renew; the aggregator checks the signature
/// and that the identity is the one the token or the presented certificate allows.
public struct AgentCSR: Sendable {
    public let identity: AgentIdentity
    public let publicKey: Certificate.PublicKey
    public let pem: String

    /// A new request signed with `key`.
    public static func make(identity: AgentIdentity, key: P256.Signing.PrivateKey) throws -> AgentCSR {
        let subject = try DistinguishedName {
            OrganizationName("citywatch")
            CommonName("agent \(identity.agentID)")
        }
        let extensions = try Certificate.Extensions { SubjectAlternativeNames([.uniformResourceIdentifier(identity.uri)]) }
        let attributes = try CertificateSigningRequest.Attributes([.init(ExtensionRequest(extensions: extensions))])
        let csr = try CertificateSigningRequest(
            version: .v1, subject: subject, privateKey: .init(key), attributes: attributes, signatureAlgorithm: .ecdsaWithSHA256)
        return AgentCSR(identity: identity, publicKey: csr.publicKey, pem: try csr.serializeAsPEM().pemString)
    }

    /// Parses and checks a request: PEM, self-signature, exactly one agent URI in `trustDomain`.
    public init(pem: String, trustDomain: String) throws(AgentCSRError) {
        let csr: CertificateSigningRequest
        do { csr = try CertificateSigningRequest(pemEncoded: pem) } catch { throw .unreadable("\(error)") }
        guard csr.publicKey.isValidSignature(csr.signature, for: csr) else { throw .badSignature }
        let extensions: Certificate.Extensions?
        do { extensions = try csr.attributes.extensionRequest?.extensions } catch { throw .unreadable("extension request: \(error)") }
        let sans: SubjectAlternativeNames?
        do { sans = try extensions?.subjectAlternativeNames } catch { throw .unreadable("subjectAltName: \(error)") }
        let uris = (sans ?? SubjectAlternativeNames()).compactMap { name -> String? in
            if case .uniformResourceIdentifier(let uri) = name { return uri }
            return nil
        }
        guard uris.count == 1, let uri = uris.first else { throw .noIdentity("expected one spiffe:// URI, found \(uris.count)") }
        let identity: AgentIdentity
        do { identity = try AgentIdentity(uri: uri) } catch { throw .noIdentity(error.message) }
        guard identity.trustDomain == trustDomain else { throw .noIdentity("\(uri) is not in trust domain spiffe://\(trustDomain)") }
        self.identity = identity
        self.publicKey = csr.publicKey
        self.pem = pem
    }

    private init(identity: AgentIdentity, publicKey: Certificate.PublicKey, pem: String) {
        self.identity = identity
        self.publicKey = publicKey
        self.pem = pem
    }
}

public enum AgentCSRError: Error, Hashable, CustomStringConvertible {
    case unreadable(String)
    case badSignature
    case noIdentity(String)

    public var description: String {
        switch self {
        case .unreadable(let why): "the certificate request is not a readable PEM CSR: \(why)"
        case .badSignature: "the certificate request's signature does not verify"
        case .noIdentity(let why): "the certificate request names no usable agent identity: \(why)"
        }
    }
}
