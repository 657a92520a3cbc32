import Hummingbird
import Logging
import NIOCore
import Prometheus

/// A plain-HTTP listener for Prometheus (`GET /metrics`) and liveness (`GET /healthz`), on
/// loopback by default: the ingest listener requires fleet client certificates, which a scraper
/// does not have. Used by both services (aggregator default port 9464, agent 9465).
public enum MetricsServer {
    public static func application(
        host: String, port: Int, registry: PrometheusCollectorRegistry, logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol {
        let router = Router()
        router.get("healthz") { _, _ in "ok\n" }
        router.get("metrics") { _, _ in
            var buffer: [UInt8] = []
            buffer.reserveCapacity(16_384)
            registry.emit(into: &buffer)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }
}
