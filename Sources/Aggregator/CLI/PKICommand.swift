import ArgumentParser
import Foundation
import Shared
import X509

/// `aggregator pki`: the fleet's development PKI.
struct PKICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pki",
        abstract: "Create the fleet CA and issue server and agent certificates.",
        subcommands: [Init.self, IssueAgent.self])

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a CA and the aggregator's server certificate in --dir.")

        @Option(help: "Directory for the PKI (created 0700).") var dir: String
        @Option(help: "The city's trust domain; agents become spiffe://<city>/agent/<id>.") var city = "citywatch"
        @Option(name: .customLong("dns"), help: "DNS name of the aggregator (repeatable).") var dnsNames: [String] = ["localhost"]
        @Option(name: .customLong("ip"), help: "IP address of the aggregator (repeatable).") var ipAddresses: [String] = ["127.0.0.1", "::1"]
        @Option(help: "CA validity in days.") var caDays = 3650
        @Option(help: "Server certificate validity in days.") var serverDays = 825
        @Flag(help: "Replace existing files.") var force = false
        @Flag(help: "Print a JSON summary.") var json = false

        func run() throws {
            let directory = PKIDirectory(path: dir)
            // Make everything before writing anything: a bad --ip must not leave a lone CA behind.
            let ca = try CertificateAuthority.create(trustDomain: city, days: caDays)
            let server = try ca.issueServer(
                commonName: dnsNames.first ?? "aggregator", dnsNames: dnsNames, ipAddresses: ipAddresses, days: serverDays)
            try directory.writeAuthority(ca, server: server, overwrite: force)
            try PKIOutput.print(json: json, [
                "ca": directory.caCertificatePath, "ca_key": directory.caKeyPath,
                "server": directory.serverCertificatePath, "server_key": directory.serverKeyPath,
                "trust_domain": "spiffe://\(city)",
            ])
        }
    }

    struct IssueAgent: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "issue-agent", abstract: "Issue an agent's client certificate from the CA in --dir.")

        @Option(help: "Directory holding the CA.") var dir: String
        @Option(help: "The agent's id (a-z, 0-9, '-', '_', '.').") var agentID: String
        @Option(help: "Validity in days.") var days = 90
        @Flag(help: "Replace existing files.") var force = false
        @Flag(help: "Print a JSON summary.") var json = false

        func run() throws {
            let directory = PKIDirectory(path: dir)
            let ca = try directory.loadAuthority()
            let issued = try ca.issueAgent(agentID: agentID, days: days)
            try directory.writeAgent(agentID, issued, overwrite: force)
            try PKIOutput.print(json: json, [
                "identity": try AgentIdentity(trustDomain: ca.trustDomain, agentID: agentID).uri,
                "certificate": directory.agentCertificatePath(agentID), "key": directory.agentKeyPath(agentID),
                "not_after": ISO8601DateFormatter().string(from: issued.certificate.notValidAfter),
            ])
        }
    }
}

enum PKIOutput {
    static func print(json: Bool, _ fields: [String: String]) throws {
        if json {
            let data = try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
            Swift.print(String(decoding: data, as: UTF8.self))
        } else {
            for key in fields.keys.sorted() { Swift.print("\(key): \(fields[key]!)") }
        }
    }
}
