import Foundation
import Shared
import Testing
import TestSupport
@_spi(FixedExpiryValidationTime) import X509

@Suite struct CertificateAuthorityTests {
    func verify(_ certificate: Certificate, against ca: CertificateAuthority, at time: Date = Date()) async -> Bool {
        var verifier = Verifier(rootCertificates: CertificateStore([ca.certificate])) {
            RFC5280Policy(fixedExpiryValidationTime: time)
        }
        if case .validCertificate = await verifier.validate(leaf: certificate, intermediates: CertificateStore()) {
            return true
        }
        return false
    }

    @Test func agentCertificate_verifiesAgainstItsCA_andCarriesTheIdentity() async throws {
        let ca = try CertificateAuthority.create(trustDomain: "river-city")
        let issued = try ca.issueAgent(agentID: "agent-7", days: 30)
        #expect(await verify(issued.certificate, against: ca))
        let identity = try AgentIdentity(certificate: issued.certificate, trustDomain: "river-city")
        #expect(identity.agentID == "agent-7")
        #expect(identity.uri == "spiffe://river-city/agent/agent-7")
        #expect(try issued.certificate.extensions.extendedKeyUsage?.contains(.clientAuth) == true)
        #expect(try issued.certificate.extensions.basicConstraints == .notCertificateAuthority)
    }

    @Test func certificateFromAnotherCA_doesNotVerify() async throws {
        let ca = try CertificateAuthority.create(trustDomain: "river-city")
        let other = try CertificateAuthority.create(trustDomain: "river-city")
        let foreign = try other.issueAgent(agentID: "agent-7")
        #expect(await verify(foreign.certificate, against: ca) == false)
    }

    @Test func expiredCertificate_doesNotVerify() async throws {
        let ca = try CertificateAuthority.create(trustDomain: "c")
        let issued = try ca.issueAgent(agentID: "a", days: 1)
        #expect(await verify(issued.certificate, against: ca, at: Date().addingTimeInterval(3 * 86_400)) == false)
    }

    @Test func identityFromAnotherTrustDomain_isRefused() throws {
        let ca = try CertificateAuthority.create(trustDomain: "other-city")
        let issued = try ca.issueAgent(agentID: "a")
        #expect(throws: PKIError.self) { try AgentIdentity(certificate: issued.certificate, trustDomain: "river-city") }
    }

    @Test func serverCertificate_hasTheRequestedNames() throws {
        let ca = try CertificateAuthority.create(trustDomain: "c")
        let server = try ca.issueServer(commonName: "agg", dnsNames: ["agg.example", "localhost"], ipAddresses: ["127.0.0.1", "::1"])
        let sans = try #require(try server.certificate.extensions.subjectAlternativeNames)
        #expect(sans.contains(.dnsName("agg.example")))
        #expect(sans.filter { if case .ipAddress = $0 { true } else { false } }.count == 2)
        #expect(throws: (any Error).self) { try ca.issueServer(commonName: "x", dnsNames: [], ipAddresses: ["not-an-ip"]) }
    }

    @Test(arguments: ["", "Agent", "a/b", "-lead", String(repeating: "a", count: 65), "a b"])
    func invalidAgentIDs_areRefused(id: String) throws {
        let ca = try CertificateAuthority.create(trustDomain: "c")
        #expect(throws: PKIError.self) { try ca.issueAgent(agentID: id) }
    }

    @Test func identityURI_parses() throws {
        #expect(try AgentIdentity(uri: "spiffe://c/agent/x-1").agentID == "x-1")
        #expect(throws: PKIError.self) { try AgentIdentity(uri: "spiffe://c/operator/x") }
        #expect(throws: PKIError.self) { try AgentIdentity(uri: "https://c/agent/x") }
    }
}

@Suite struct PKIDirectoryTests {
    @Test func files_areWrittenWithPrivateKeysAt0600_andNeverOverwrittenSilently() throws {
        let pki = try TestPKI(agents: ["agent-1"])
        defer { pki.cleanUp() }
        let fm = FileManager.default
        for key in [pki.directory.caKeyPath, pki.directory.serverKeyPath, pki.directory.agentKeyPath("agent-1")] {
            let mode = try fm.attributesOfItem(atPath: key)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(key) has mode \(String(mode ?? 0, radix: 8))")
        }
        let before = try String(contentsOfFile: pki.directory.caKeyPath, encoding: .utf8)
        let error = #expect(throws: PKIError.self) {
            try pki.directory.writeAuthority(try CertificateAuthority.create(trustDomain: "x"), overwrite: false)
        }
        #expect(error?.isFileExists == true)
        #expect(try String(contentsOfFile: pki.directory.caKeyPath, encoding: .utf8) == before)
        #expect(throws: PKIError.self) {
            try pki.directory.writeAgent("agent-1", try pki.ca.issueAgent(agentID: "agent-1"), overwrite: false)
        }
        // With overwrite, the replacement is complete and keeps the private mode.
        try pki.directory.writeAgent("agent-1", try pki.ca.issueAgent(agentID: "agent-1"), overwrite: true)
        #expect(try fm.attributesOfItem(atPath: pki.directory.agentKeyPath("agent-1"))[.posixPermissions] as? Int == 0o600)
    }

    @Test func authority_reloadsWithItsTrustDomain() throws {
        let pki = try TestPKI(city: "harbour")
        defer { pki.cleanUp() }
        let loaded = try pki.directory.loadAuthority()
        #expect(loaded.trustDomain == "harbour")
        #expect(loaded.certificate == pki.ca.certificate)
        let issued = try loaded.issueAgent(agentID: "late-agent")
        #expect(try AgentIdentity(certificate: issued.certificate, trustDomain: "harbour").agentID == "late-agent")
    }
}
