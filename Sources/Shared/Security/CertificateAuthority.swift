import Crypto
import Foundation
import SwiftASN1
import X509

/// The fleet's own certificate authority: issues the aggregator's server certificate and each
/// agent's client certificate (P-256 keys, ECDSA-SHA256).
public struct CertificateAuthority: Sendable {
    public let certificate: Certificate
    let privateKey: P256.Signing.PrivateKey
    /// The city's SPIFFE trust domain; agent identities live under it.
    public let trustDomain: String

    public init(certificate: Certificate, privateKey: P256.Signing.PrivateKey, trustDomain: String) {
        self.certificate = certificate
        self.privateKey = privateKey
        self.trustDomain = trustDomain
    }

    /// A new self-signed CA valid from `now` for `days`.
    public static func create(trustDomain: String, days: Int = 3650, now: Date = Date()) throws -> CertificateAuthority {
        guard AgentIdentity.isValidName(trustDomain) else { throw PKIError.invalidAgentID(trustDomain) }
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            OrganizationName("citywatch")
            CommonName("citywatch \(trustDomain) fleet CA")
        }
        let publicKey = Certificate.PublicKey(key.publicKey)
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
            Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            SubjectKeyIdentifier(hash: publicKey)
            SubjectAlternativeNames([.uniformResourceIdentifier("spiffe://\(trustDomain)")])
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-300), notValidAfter: now.addingTimeInterval(Double(days) * 86_400),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions,
            issuerPrivateKey: .init(key))
        return CertificateAuthority(certificate: certificate, privateKey: key, trustDomain: trustDomain)
    }

    /// A TLS server certificate for the aggregator.
    /// - Parameters:
    ///   - dnsNames: DNS SANs (e.g. `aggregator.city.example`, `localhost`).
    ///   - ipAddresses: IP SANs in textual form (`127.0.0.1`, `::1`).
    public func issueServer(
        commonName: String, dnsNames: [String], ipAddresses: [String], days: Int = 825, now: Date = Date()
    ) throws -> IssuedCertificate {
        var names: [GeneralName] = dnsNames.map { .dnsName($0) }
        for ip in ipAddresses {
            guard let bytes = Self.ipBytes(ip) else { throw PKIError.invalidAddress(ip) }
            names.append(.ipAddress(ASN1OctetString(contentBytes: bytes[...])))
        }
        return try issue(
            subject: commonName, sans: names, usage: [.serverAuth], days: days, now: now)
    }

    /// A TLS client certificate naming the agent `spiffe://<trustDomain>/agent/<agentID>`.
    public func issueAgent(agentID: String, days: Int = 90, now: Date = Date()) throws -> IssuedCertificate {
        let identity = try AgentIdentity(trustDomain: trustDomain, agentID: agentID)
        return try issue(
            subject: "agent \(agentID)", sans: [.uniformResourceIdentifier(identity.uri)], usage: [.clientAuth],
            days: days, now: now)
    }

    /// A client certificate for the identity a checked CSR asks for, on the CSR's key (enrollment
    /// and renewal: the private key never leaves the agent), valid for `validity` seconds.
    public func issueAgent(_ csr: AgentCSR, validity: TimeInterval, now: Date = Date()) throws -> Certificate {
        try sign(
            publicKey: csr.publicKey, subject: "agent \(csr.identity.agentID)", sans: [.uniformResourceIdentifier(csr.identity.uri)],
            usage: [.clientAuth], validity: validity, now: now)
    }

    private func issue(
        subject: String, sans: [GeneralName], usage: [ExtendedKeyUsage.Usage], days: Int, now: Date
    ) throws -> IssuedCertificate {
        let key = P256.Signing.PrivateKey()
        let leaf = try sign(
            publicKey: Certificate.PublicKey(key.publicKey), subject: subject, sans: sans, usage: usage, validity: Double(days) * 86_400, now: now)
        return IssuedCertificate(certificate: leaf, privateKey: key)
    }

    private func sign(
        publicKey: Certificate.PublicKey, subject: String, sans: [GeneralName], usage: [ExtendedKeyUsage.Usage], validity: TimeInterval, now: Date
    ) throws -> Certificate {
        let subjectName = try DistinguishedName {
            OrganizationName("citywatch")
            CommonName(subject)
        }
        let issuerKeyID = try certificate.extensions.subjectKeyIdentifier?.keyIdentifier
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage(usage)
            SubjectKeyIdentifier(hash: publicKey)
            AuthorityKeyIdentifier(keyIdentifier: issuerKeyID)
            SubjectAlternativeNames(sans)
        }
        let notAfter = min(now.addingTimeInterval(validity), certificate.notValidAfter)
        // Back-dated for clocks a little behind, by at most a tenth of the lifetime (a short-lived
        // certificate's renewal point stays where its lifetime puts it).
        return try Certificate(
            version: .v3, serialNumber: .init(), publicKey: publicKey,
            notValidBefore: now.addingTimeInterval(-min(300, validity / 10)), notValidAfter: notAfter,
            issuer: certificate.subject, subject: subjectName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions, issuerPrivateKey: .init(privateKey))
    }

    static func ipBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}

/// A certificate and its private key.
public struct IssuedCertificate: Sendable {
    public let certificate: Certificate
    public let privateKey: P256.Signing.PrivateKey

    public var certificatePEM: String { get throws { try certificate.serializeAsPEM().pemString } }
    public var privateKeyPEM: String { privateKey.pemRepresentation }
}
