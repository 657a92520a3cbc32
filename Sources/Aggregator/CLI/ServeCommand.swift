import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import UnixSignals
import Shared

/// `aggregator serve --config FILE`: the ingest listener, the store and its retention, as
/// services of one ServiceGroup (SIGTERM/SIGINT stop them gracefully).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the aggregator.")

    @Option(help: "The aggregator's YAML configuration.") var config: String
    @Option(help: "Log level (trace, debug, info, notice, warning, error, critical).") var logLevel: Logger.Level = .info

    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "aggregator")

        let configuration: AggregatorConfiguration
        let city: CityModel
        do {
            configuration = try AggregatorConfiguration.load(path: config)
            city = try CityModel.load(path: configuration.cityPath)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(78)  // EX_CONFIG: systemd does not restart a broken configuration
        }
        let store: any EventStore
        switch configuration.store {
        case .sqlite(let path):
            store = try SQLiteEventStore(path: path)
        case .postgres:
            FileHandle.standardError.write(Data("error: \(config): store.postgres is not available in this build yet\n".utf8))
            throw ExitCode(78)
        }
        let tls = try TLSConfigurations.server(
            certificatePath: configuration.ingest.tls.certificate, keyPath: configuration.ingest.tls.key,
            clientCAPath: configuration.ingest.tls.clientCA)
        let now: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
        let ingestor = BatchIngestor(city: city, store: store, limits: BatchLimits(), dictionaries: [], now: now, logger: logger)
        let settings = IngestServer.Settings(
            host: configuration.ingest.host, port: configuration.ingest.port, maxBodyBytes: configuration.ingest.maxBodyBytes,
            retryAfterSeconds: configuration.ingest.retryAfterSeconds, trustDomain: configuration.ingest.tls.trustDomain)
        let notifier = SystemdNotifier()
        let app = try IngestServer.application(
            settings: settings, tls: tls, ingestor: ingestor, gate: AdmissionGate(capacity: configuration.ingest.maxConcurrentBatches),
            logger: logger,
            onRunning: { port in
                logger.notice("ingest listening", metadata: ["ingest_port": "\(port)", "cameras": "\(city.cameras.count)"])
                try? notifier.ready(status: "ingest listening on port \(port)")
            })
        let metrics = MetricsServer.application(
            host: configuration.metrics.host, port: configuration.metrics.port, registry: registry, logger: logger,
            onRunning: { port in logger.notice("metrics listening", metadata: ["metrics_port": "\(port)"]) })
        let retention = RetentionService(store: store, settings: configuration.retention, now: now, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: app), .init(service: metrics), .init(service: retention)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
