import NIOSSL

/// TLS settings for the two ends of the agent ↔ aggregator link.
///
/// TLS 1.3 only: every peer is our own software, so there is no legacy client to accommodate,
/// and 1.3 encrypts the client certificate in the handshake (agent identities do not leak to an
/// observer on the 5G link).
public enum TLSConfigurations {
    /// The aggregator's ingest listener: presents its certificate and requires a client
    /// certificate signed by the fleet CA.
    public static func server(
        certificatePath: String, keyPath: String, clientCAPath: String,
        applicationProtocols: [String] = ["h2", "http/1.1"]
    ) throws -> TLSConfiguration {
        let chain = try load(certificatePath) { try NIOSSLCertificate.fromPEMFile(certificatePath) }
        let key = try load(keyPath) { try NIOSSLPrivateKey(file: keyPath, format: .pem) }
        let ca = try load(clientCAPath) { try NIOSSLCertificate.fromPEMFile(clientCAPath) }
        var c = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        c.minimumTLSVersion = .tlsv13
        c.certificateVerification = .noHostnameVerification  // requires and verifies a client certificate
        c.trustRoots = .certificates(ca)
        c.applicationProtocols = applicationProtocols
        return c
    }

    /// A listener for people and their tools (the operations API): the server's certificate, no
    /// client certificate asked for (callers authenticate with bearer tokens).
    public static func server(certificatePath: String, keyPath: String, applicationProtocols: [String] = ["h2", "http/1.1"]) throws -> TLSConfiguration {
        let chain = try load(certificatePath) { try NIOSSLCertificate.fromPEMFile(certificatePath) }
        let key = try load(keyPath) { try NIOSSLPrivateKey(file: keyPath, format: .pem) }
        var c = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        c.minimumTLSVersion = .tlsv12
        c.applicationProtocols = applicationProtocols
        return c
    }

    /// An agent's connection: verifies the aggregator against the fleet CA (and its host name)
    /// and presents the agent's certificate.
    public static func client(
        certificatePath: String, keyPath: String, serverCAPath: String,
        applicationProtocols: [String] = ["h2", "http/1.1"]
    ) throws -> TLSConfiguration {
        let chain = try load(certificatePath) { try NIOSSLCertificate.fromPEMFile(certificatePath) }
        let key = try load(keyPath) { try NIOSSLPrivateKey(file: keyPath, format: .pem) }
        let ca = try load(serverCAPath) { try NIOSSLCertificate.fromPEMFile(serverCAPath) }
        var c = TLSConfiguration.makeClientConfiguration()
        c.minimumTLSVersion = .tlsv13
        c.certificateVerification = .fullVerification
        c.trustRoots = .certificates(ca)
        c.certificateChain = chain.map { .certificate($0) }
        c.privateKey = .privateKey(key)
        c.applicationProtocols = applicationProtocols
        return c
    }

    /// An agent without a certificate yet (enrollment): verifies the aggregator against the fleet
    /// CA and its host name, presents nothing.
    public static func client(serverCAPath: String) throws -> TLSConfiguration {
        let ca = try load(serverCAPath) { try NIOSSLCertificate.fromPEMFile(serverCAPath) }
        var c = TLSConfiguration.makeClientConfiguration()
        c.minimumTLSVersion = .tlsv12
        c.certificateVerification = .fullVerification
        c.trustRoots = .certificates(ca)
        return c
    }

    private static func load<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw PKIError.fileUnreadable(path, "\(error)") }
    }
}
