import ArgumentParser
import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Shared
import X509

/// `edge-agent enroll --server URL --token T`: the agent's first certificate. Makes a key and a
/// CSR for `spiffe://<city>/agent/<agent_id>`, sends the CSR with the one-time token to the
/// aggregator's enrollment listener (TLS verified against the fleet CA; no client certificate),
/// and installs the certificate and key where the configuration's `shipping.tls` says.
struct EnrollCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enroll", abstract: "Get this agent's certificate from the aggregator with a one-time token.")

    @Option(help: "The aggregator's enrollment URL (https://host:8445).") var server: String
    @Option(help: "The one-time token from `aggregator enroll-token create`.") var token: String
    @Option(help: "The agent's configuration file (agent_id and shipping.tls paths).") var config = AdminOptions.defaultConfig
    @Option(help: "The fleet CA certificate, copied to shipping.tls.ca (default: the file already there).") var ca: String?
    @Flag(help: "Replace a certificate that is still valid.") var force = false
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let configuration: AgentConfiguration
        do { configuration = try AgentConfiguration.load(path: config) } catch { throw fail("\(error)", code: 78) }
        guard let shipping = configuration.shipping else { throw fail("\(config): enrollment needs a 'shipping' section (its tls paths say where the certificate goes)", code: 78) }
        guard server.hasPrefix("https://") else { throw fail("--server must be an https:// URL", code: 64) }
        let caPath = ca ?? shipping.ca
        let caCertificate: X509Certificate
        do { caCertificate = try PKIDirectory.loadCertificate(caPath) } catch { throw fail("the fleet CA: \(error)", code: 66) }
        guard let domain = PKIDirectory.trustDomain(ofCA: caCertificate) else { throw fail("\(caPath) is not a fleet CA (no spiffe:// trust domain)", code: 66) }
        if !force, let existing = try? PKIDirectory.loadCertificate(shipping.certificate), existing.notValidAfter > Date() {
            throw fail("\(shipping.certificate) is valid until \(existing.notValidAfter); pass --force to replace it", code: 73)
        }
        let identity: AgentIdentity
        do { identity = try AgentIdentity(trustDomain: domain, agentID: configuration.agentID) } catch { throw fail("\(error)", code: 78) }
        let key = P256.Signing.PrivateKey()
        let csr = try AgentCSR.make(identity: identity, key: key)

        let tls: TLSConfiguration
        do { tls = try TLSConfigurations.client(serverCAPath: caPath) } catch { throw fail("\(error)", code: 66) }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        let issued: EnrollmentResponse
        do {
            var request = HTTPClientRequest(url: server.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/v1/enroll")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            let body = try JSONSerialization.data(withJSONObject: ["token": token, "csr": csr.pem])
            request.body = .bytes(ByteBuffer(bytes: body))
            let response: HTTPClientResponse
            do { response = try await client.execute(request, timeout: .seconds(30)) } catch {
                try? await client.shutdown()
                throw fail("cannot reach \(server): \(error)", code: 69)
            }
            let bytes = try await response.body.collect(upTo: 1 << 20)
            try? await client.shutdown()
            do { issued = try EnrollmentResponse.parse(status: Int(response.status.code), body: Array(bytes.readableBytesView)) } catch {
                throw fail("\(error)", code: 1)
            }
        }
        let files = CertificateFiles(certificatePath: shipping.certificate, keyPath: shipping.key)
        do {
            try files.install(certificatePEM: issued.certificate, key: key)
            if caPath != shipping.ca { try SecureFile.write(issued.ca, to: shipping.ca, mode: 0o644, overwrite: true) }
        } catch {
            throw fail("installing the certificate: \(error)", code: 73)
        }
        let expires = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(issued.notAfterMs) / 1000))
        if json {
            print(String(decoding: try JSONSerialization.data(withJSONObject: [
                "agent_id": issued.agentID, "identity": identity.uri, "certificate": shipping.certificate, "key": shipping.key,
                "ca": shipping.ca, "not_after": expires,
            ], options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self))
        } else {
            print("enrolled \(identity.uri); certificate \(shipping.certificate) valid until \(expires) (renewed automatically)")
        }
    }

    private func fail(_ message: String, code: Int32) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode(code)
    }
}

typealias X509Certificate = X509.Certificate
