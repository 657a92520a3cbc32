import Foundation
import Shared

/// A throwaway fleet PKI on disk for one test.
public struct TestPKI {
    public let directory: PKIDirectory
    public let ca: CertificateAuthority
    public let root: URL

    /// `expiredAgents` get certificates that expired nine days ago (valid for one day, ten days ago).
    public init(city: String = "testcity", agents: [String] = ["agent-1"], expiredAgents: [String] = []) throws {
        root = try TestPaths.temporaryDirectory("pki")
        directory = PKIDirectory(path: root.path)
        ca = try CertificateAuthority.create(trustDomain: city)
        try directory.writeAuthority(ca, overwrite: false)
        try directory.writeServer(
            try ca.issueServer(commonName: "localhost", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"]), overwrite: false)
        for agent in agents { try directory.writeAgent(agent, try ca.issueAgent(agentID: agent), overwrite: false) }
        for agent in expiredAgents {
            try directory.writeAgent(agent, try ca.issueAgent(agentID: agent, days: 1, now: Date().addingTimeInterval(-10 * 86_400)), overwrite: false)
        }
    }

    public func cleanUp() { try? FileManager.default.removeItem(at: root) }
}
