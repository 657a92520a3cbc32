import NIOSSL
import SwiftASN1
import X509

/// Who an agent is, as its client certificate says: a URI SAN `spiffe://<city>/agent/<id>`.
///
/// The aggregator takes an agent's identity from the verified certificate only, never from a
/// payload. SPIFFE-shaped URIs are a widespread convention for workload identity and keep the
/// door open to an external SPIFFE issuer.
public struct AgentIdentity: Sendable, Hashable, CustomStringConvertible {
    /// The city's trust domain, e.g. `river-city`.
    public let trustDomain: String
    public let agentID: String

    public init(trustDomain: String, agentID: String) throws(PKIError) {
        guard Self.isValidName(trustDomain) else { throw .invalidAgentID(trustDomain) }
        guard Self.isValidName(agentID) else { throw .invalidAgentID(agentID) }
        self.trustDomain = trustDomain
        self.agentID = agentID
    }

    public var uri: String { "spiffe://\(trustDomain)/agent/\(agentID)" }
    public var description: String { uri }

    /// Parses `spiffe://<domain>/agent/<id>`.
    public init(uri: String) throws(PKIError) {
        let prefix = "spiffe://"
        guard uri.hasPrefix(prefix) else { throw .noIdentity("\(uri) is not a spiffe:// URI") }
        let parts = uri.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[1] == "agent" else { throw .noIdentity("\(uri) is not spiffe://<city>/agent/<id>") }
        try self.init(trustDomain: String(parts[0]), agentID: String(parts[2]))
    }

    /// The identity in a certificate's subject alternative names. Exactly one agent URI must be present.
    public init(certificate: Certificate, trustDomain: String) throws(PKIError) {
        let sans: SubjectAlternativeNames?
        do { sans = try certificate.extensions.subjectAlternativeNames } catch {
            throw .noIdentity("unreadable subjectAltName: \(error)")
        }
        let uris = (sans ?? SubjectAlternativeNames()).compactMap { name -> String? in
            if case .uniformResourceIdentifier(let uri) = name, uri.hasPrefix("spiffe://") { return uri }
            return nil
        }
        guard uris.count == 1, let uri = uris.first else {
            throw .noIdentity("expected one spiffe:// URI SAN, found \(uris.count)")
        }
        let identity = try AgentIdentity(uri: uri)
        guard identity.trustDomain == trustDomain else { throw .wrongTrustDomain(uri, expected: trustDomain) }
        self = identity
    }

    /// The identity in a peer certificate presented over TLS (already verified by the handshake).
    public init(peerCertificate: NIOSSLCertificate, trustDomain: String) throws(PKIError) {
        let certificate: Certificate
        do { certificate = try Certificate(derEncoded: try peerCertificate.toDERBytes()) } catch {
            throw .noIdentity("unparseable peer certificate: \(error)")
        }
        try self.init(certificate: certificate, trustDomain: trustDomain)
    }

    /// An agent id (or trust domain label): 1-64 of [a-z0-9._-], starting with a letter or digit.
    public static func isValidName(_ s: String) -> Bool {
        guard (1...64).contains(s.utf8.count), let first = s.utf8.first, isAlnum(first) else { return false }
        return s.utf8.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
    }

    private static func isAlnum(_ c: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c)
    }
}
