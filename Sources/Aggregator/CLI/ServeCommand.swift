import ArgumentParser
import AsyncAlgorithms
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
        var scenarios: [Scenario] = []
        var secrets: [String: [UInt8]] = [:]
        do {
            configuration = try AggregatorConfiguration.load(path: config)
            city = try CityModel.load(path: configuration.cityPath)
            let t = configuration.ingest.tls
            tls = try TLSConfigurations.server(certificatePath: t.certificate, keyPath: t.key, clientCAPath: t.clientCA)
            dictionaries = try configuration.ingest.dictionaries.map { try ZstdDictionary(contentsOfFile: $0) }
            if let directory = configuration.scenarios.directory {
                let loaded = try ScenarioLoader.load(directory: directory, city: city)
                if let problem = ScenarioService.unknownWebhooks(loaded, known: Set(configuration.scenarios.webhooks.map(\.name))) {
                    throw problem
                }
                scenarios = loaded.scenarios
            }
            for webhook in configuration.scenarios.webhooks {
                guard let file = webhook.secretFile else { continue }
                guard let text = try? String(contentsOfFile: file, encoding: .utf8),
                    let key = text.split(separator: "\n").first, !key.isEmpty
                else { throw ValidationError("webhook '\(webhook.name)': cannot read a key from secret_file \(file)") }
                secrets[webhook.name] = Array(key.utf8)
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(78)
        }
        let store: any RecentTierStore
        do {
            switch configuration.store {
            case .sqlite(let path):
                store = try SQLiteEventStore(path: path, logger: logger)
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
        let startedMs = now()  // before ingest can store anything: what this process received is after it
        var ingestor = BatchIngestor(
            city: city, store: store, limits: configuration.ingest.batchLimits, dictionaries: dictionaries, now: now, logger: logger)
        var scenarioServices: [ServiceGroupConfiguration.ServiceConfiguration] = []
        var apiServices: [ServiceGroupConfiguration.ServiceConfiguration] = []
        // Always open: revocations (`aggregator agent revoke`) live there and are checked per batch.
        let actions: ActionStore
        do { actions = try ActionStore(path: configuration.scenarios.database) } catch {
            FileHandle.standardError.write(Data("error: opening the operations database \(configuration.scenarios.database): \(error)\n".utf8))
            await store.close()
            throw ExitCode(69)
        }
        ingestor.actions = actions
        let snapshots: SnapshotArchive
        do { snapshots = try SnapshotArchive(directory: configuration.snapshotDirectory, settings: configuration.snapshots, logger: logger) } catch {
            FileHandle.standardError.write(Data("error: the snapshot directory \(configuration.snapshotDirectory): \(error)\n".utf8))
            await store.close()
            throw ExitCode(73)
        }
        let fleetHealth = FleetHealth()
        ingestor.fleetHealth = fleetHealth
        var issuer: CertificateIssuer?
        var enrollmentServices: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let enrollment = configuration.enrollment {
            do {
                let loaded = try CertificateIssuer.load(enrollment, actions: actions, logger: logger)
                let serverTLS = try TLSConfigurations.server(certificatePath: configuration.ingest.tls.certificate, keyPath: configuration.ingest.tls.key)
                issuer = loaded
                let app = try EnrollmentServer.application(
                    settings: enrollment, tls: serverTLS, issuer: loaded, logger: logger,
                    onRunning: { port in logger.notice("enrollment listening", metadata: ["enrollment_port": "\(port)"]) })
                enrollmentServices = [.init(service: app)]
            } catch {
                FileHandle.standardError.write(Data("error: enrollment: \(error)\n".utf8))
                await store.close()
                throw ExitCode(78)
            }
        }
        do {
            let webhooks = Dictionary(uniqueKeysWithValues: configuration.scenarios.webhooks.map { ($0.name, $0) })
            let control = ScenarioControl(directory: configuration.scenarios.directory, city: city, webhookNames: Set(webhooks.keys), initial: scenarios)
            let live = LiveFeed()
            if configuration.scenarios.directory != nil {
                let feed = AsyncChannel<[ScenarioInput]>()
                ingestor.scenarioFeed = feed
                var service = ScenarioService(
                    directory: configuration.scenarios.directory, initial: scenarios, city: city,
                    latenessMs: Int64(configuration.scenarios.latenessSeconds) * 1000, fusion: configuration.fusion, feed: feed, store: actions,
                    webhookNames: Set(webhooks.keys), now: now, logger: logger)
                service.control = control
                service.live = live
                service.retentionMs = Int64(configuration.retention.maxAgeDays) * 86_400_000
                if configuration.scenarios.warmStartSeconds > 0 {
                    service.warmStart = ScenarioWarmStart(
                        store: store, city: city, spanMs: Int64(configuration.scenarios.warmStartSeconds) * 1000,
                        maxEvents: configuration.scenarios.warmStartMaxEvents, processStartMs: startedMs)
                }
                scenarioServices = [
                    .init(service: service),
                    .init(service: WebhookService(webhooks: webhooks, secrets: secrets, store: actions, cityID: city.id, now: now, logger: logger)),
                ]
                logger.notice("scenarios loaded", metadata: ["scenarios": "\(scenarios.count)", "webhooks": "\(webhooks.count)"])
            }
            if let api = configuration.api {
                let apiTLS: TLSConfiguration?
                do {
                    apiTLS = try api.tls.map { try TLSConfigurations.server(certificatePath: $0.certificate, keyPath: $0.key) }
                } catch {
                    FileHandle.standardError.write(Data("error: api.tls: \(error)\n".utf8))
                    await store.close()
                    throw ExitCode(78)
                }
                var dependencies = APIServer.Dependencies(store: store, actions: actions, city: city, scenarios: control, live: live, now: now)
                dependencies.metrics = registry
                dependencies.fleetHealth = fleetHealth
                dependencies.snapshots = snapshots
                let app = try APIServer.application(
                    settings: api, tls: apiTLS, dependencies: dependencies, logger: logger,
                    onRunning: { port in logger.notice("api listening", metadata: ["api_port": "\(port)", "tls": "\(apiTLS != nil)"]) })
                apiServices = [.init(service: APIService(app: app, live: live))]
            }
        }
        let notifier = SystemdNotifier()
        let app = try IngestServer.application(
            settings: configuration.ingest, trustDomain: configuration.ingest.tls.trustDomain ?? city.id, tls: tls, ingestor: ingestor, gate: AdmissionGate(capacity: configuration.ingest.maxConcurrentBatches),
            logger: logger, issuer: issuer, snapshots: snapshots,
            onRunning: { port in
                logger.notice("ingest listening", metadata: ["ingest_port": "\(port)", "cameras": "\(city.cameras.count)"])
                try? notifier.ready(status: "ingest listening on port \(port)")
            })
        let metrics = MetricsServer.application(
            host: configuration.metrics.host, port: configuration.metrics.port, registry: registry, logger: logger,
            onRunning: { port in logger.notice("metrics listening", metadata: ["metrics_port": "\(port)"]) })
        let retention = RetentionService(store: store, settings: configuration.retention, now: now, logger: logger)
        let indexer = RecentIndexer(store: store, now: now, logger: logger)
        let watchdog = AggregatorWatchdog(
            store: store, notifier: notifier, interval: SystemdNotifier.watchdogInterval(),
            trapHangup: configuration.scenarios.directory == nil, logger: logger)
        let group = ServiceGroup(configuration: .init(
            // Shut down in reverse order: ingest (app) stops before the scenario engine it feeds and
            // before the indexer's last move.
            services: scenarioServices + apiServices + enrollmentServices
                + [.init(service: indexer), .init(service: app), .init(service: metrics), .init(service: retention), .init(service: watchdog)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        var failure: (any Error)?
        do { try await group.run() } catch { failure = error }
        await store.close()
        if let failure { throw failure }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
