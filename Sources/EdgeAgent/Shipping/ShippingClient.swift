import AsyncHTTPClient
import Logging
import NIOSSL
import Shared
import Synchronization

/// The shipper's HTTP client, replaceable while the agent runs: after a certificate renewal (or a
/// SIGHUP when an operator put new files in place) a new client with the new certificate takes
/// the next requests, and the old one finishes what it has in flight before it is shut down.
final class ShippingClient: Sendable {
    let certificatePath: String
    let keyPath: String
    let caPath: String
    private let logger: Logger
    private let state: Mutex<(current: HTTPClient, retired: [HTTPClient])>
    /// How long a retired client may finish its requests (the shipper's request timeout).
    static let drainTime: Duration = .seconds(35)

    init(certificatePath: String, keyPath: String, caPath: String, logger: Logger) throws {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.caPath = caPath
        self.logger = logger
        state = Mutex((try Self.client(certificatePath, keyPath, caPath), []))
    }

    var current: HTTPClient { state.withLock { $0.current } }

    /// Reads the certificate files again and sends from now on with them. A failure leaves the
    /// running client in place.
    func reload() throws {
        let fresh = try Self.client(certificatePath, keyPath, caPath)
        let old = state.withLock { s in
            let old = s.current
            s.current = fresh
            s.retired.append(old)
            return old
        }
        Task {
            try? await Task.sleep(for: Self.drainTime)
            try? await old.shutdown()
            state.withLock { s in s.retired.removeAll { $0 === old } }
        }
        logger.notice("shipping uses the certificate files again", metadata: ["certificate": "\(certificatePath)"])
    }

    func shutdown() async {
        let all = state.withLock { [$0.current] + $0.retired }
        for client in all { try? await client.shutdown() }
    }

    private static func client(_ certificate: String, _ key: String, _ ca: String) throws -> HTTPClient {
        let tls = try TLSConfigurations.client(certificatePath: certificate, keyPath: key, serverCAPath: ca)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
    }
}
