import ArgumentParser
import Foundation
import Logging
import Metrics
import NIOSSL
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
        ServiceLogging.bootstrap(level: logLevel)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "aggregator")

        // Everything read from the configuration's files fails here, before any service starts,
        // with exit 78 (EX_CONFIG): systemd does not restart a broken configuration in a loop.
        let configuration: AggregatorConfiguration
        let city: CityModel
        let tls: TLSConfiguration
        let dictionaries: [ZstdDictionary]
        do {
            configuration = try AggregatorConfiguration.load(path: config)
            city = try CityModel.load(path: configuration.cityPath)
            let t = configuration.ingest.tls
            tls = try TLSConfigurations.server(certificatePath: t.certificate, keyPath: t.key, clientCAPath: t.clientCA)
            dictionaries = try configuration.ingest.dictionaries.map { try ZstdDictionary(contentsOfFile: $0) }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(78)
        }
        let store: any EventStore
        do {
            switch configuration.store {
            case .sqlite(let path):
                store = try SQLiteEventStore(path: path)
            case .postgres(let settings):
                store = try await PostgresEventStore.open(settings.withPasswordFromFile(), logger: logger)
            }
        } catch {
            // EX_UNAVAILABLE: systemd restarts the service after RestartSec (the database may be
            // starting too); the message says which store and why.
            FileHandle.standardError.write(Data("error: opening the store: \(error)\n".utf8))
            throw ExitCode(69)
        }
        let now: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
        let ingestor = BatchIngestor(
            city: city, store: store, limits: configuration.ingest.batchLimits, dictionaries: dictionaries, now: now, logger: logger)
        let notifier = SystemdNotifier()
        let app = try IngestServer.application(
            settings: configuration.ingest, trustDomain: configuration.ingest.tls.trustDomain ?? city.id, tls: tls, ingestor: ingestor, gate: AdmissionGate(capacity: configuration.ingest.maxConcurrentBatches),
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
        var failure: (any Error)?
        do { try await group.run() } catch { failure = error }
        await store.close()
        if let failure { throw failure }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
