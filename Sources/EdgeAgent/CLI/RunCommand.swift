import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import Prometheus
import NIOSSL
import ServiceLifecycle
import Shared
import UnixSignals

/// `edge-agent run --config FILE`: every camera's capture and detection, the spool and the
/// shipper, as services of one ServiceGroup. SIGTERM/SIGINT stop the cameras first (their open
/// events are ended and spooled), then the shipper, then the spool's last commit; exit 0.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the agent: cameras, spool and shipping.")

    @Option(help: "The agent's YAML configuration.") var config: String
    @Option(help: "Log level (trace, debug, info, notice, warning, error, critical).") var logLevel: Logger.Level = .info
    @Option(help: "Playback speed of synthetic: cameras (demos and tests).") var syntheticSpeed: Double = 1
    @Option(name: .customLong("durable-ids"), help: .hidden) var durableIDs: String?

    func validate() throws {
        guard syntheticSpeed.isFinite, syntheticSpeed > 0, syntheticSpeed <= 1000 else {
            throw ValidationError("--synthetic-speed must be > 0 and <= 1000")
        }
    }

    func run() async throws {
        let logs = RecentLogs()
        RecentLogs.bootstrap(level: logLevel, into: logs)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "edge-agent")
        let configuration: AgentConfiguration
        let shipping: ShippingConfiguration
        let client: ShippingClient
        do {
            configuration = try AgentConfiguration.load(path: config)
            guard let s = configuration.shipping else {
                throw ValidationError("\(config): 'shipping' is required by run (endpoints and tls)")
            }
            shipping = s
            if let recovered = CertificateFiles(certificatePath: shipping.certificate, keyPath: shipping.key).recover() {
                logger.warning("certificate files", metadata: ["recovery": "\(recovered)"])
            }
            client = try ShippingClient(certificatePath: shipping.certificate, keyPath: shipping.key, caPath: shipping.ca, logger: logger)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(78)
        }
        let spool: Spool
        do {
            let directory = configuration.spool.directory ?? configuration.stateDirectory + "/spool"
            spool = try Spool(storage: PosixSpoolStorage(directory: directory), settings: configuration.spool.settings, logger: logger)
        } catch {
            FileHandle.standardError.write(Data("error: opening the spool: \(error)\n".utf8))
            throw ExitCode(73)  // EX_CANTCREAT
        }
        if let trigger = ProcessInfo.processInfo.environment["CITYWATCH_FAULT_STALL_FILE"] {
            // Tests only (the watchdog test): while this file exists the spool hangs like a stuck
            // disk. A plain thread, because a hung spool also ties up the concurrency pool.
            logger.warning("fault injection on: the spool stalls while \(trigger) exists")
            Thread.detachNewThread {
                while true {
                    if FileManager.default.fileExists(atPath: trigger) { spool.stall { FileManager.default.fileExists(atPath: trigger) } }
                    Thread.sleep(forTimeInterval: 0.05)
                }
            }
        }
        let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
        // Event ids never repeat: above every id in the spool and above wall-clock ms × 1000.
        let ids = EventIDAllocator(startingAt: max(spool.recoveredMaxID + 1, UInt64(nowMs) * 1000))
        let commitInterval: Duration
        switch configuration.spool.settings.commit {
        case .interval(let ms): commitInterval = .milliseconds(ms)
        case .always: commitInterval = .seconds(1)
        }
        var commit = SpoolCommitService(spool: spool, interval: commitInterval, logger: logger)
        commit.durableIDsPath = durableIDs
        var shipper = Shipper(
            agentID: configuration.agentID, spool: spool, configuration: shipping, client: client,
            deadLetterDirectory: configuration.stateDirectory + "/dead-letters", logger: logger,
            firstSeq: Shipper.firstSequence(ledgerNext: spool.nextBatchSeq, nowMs: nowMs))
        let snapshots = SnapshotStore(directory: configuration.stateDirectory + "/snapshots")
        let desk = CommandDesk(cameras: configuration.cameras.map(\.id), snapshotDirectory: snapshots.directory, logger: logger)
        let board = AgentStatusBoard(agentID: configuration.agentID, cameras: configuration.cameras.map { ($0.id, $0.source) }, nowMs: nowMs)
        shipper.commands = desk
        shipper.board = board
        shipper.snapshots = snapshots
        let neural = Self.loadNeural(configuration, board: board, logger: logger)
        let cameras = configuration.cameras.map {
            var service = CameraService(camera: $0, spool: spool, ids: ids, syntheticSpeed: syntheticSpeed, logger: logger)
            service.controls = desk
            service.board = board
            service.neural = neural
            // A camera that ends or fails is logged, not a reason to stop the others or shipping.
            return ServiceGroupConfiguration.ServiceConfiguration(
                service: service, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore)
        }
        let notifier = SystemdNotifier()
        let admin = AdminContext(
            board: board, spool: spool, spoolMaxBytes: configuration.spool.settings.maxBytes, controls: desk,
            deadLetters: DeadLetters(directory: configuration.stateDirectory + "/dead-letters"), logs: logs,
            configPath: config, certificatePath: shipping.certificate)
        let socketPath = AdminSocket.daemonPath(configured: configuration.adminSocket, stateDirectory: configuration.stateDirectory)
        do { try AdminServer.prepare(socketPath) } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(73)
        }
        let adminServer = AdminServer(socketPath: socketPath, context: admin, logger: logger)
        let status = AgentStatusService(
            context: admin, cameras: configuration.cameras.count, notifier: notifier,
            watchdogInterval: SystemdNotifier.watchdogInterval(), logger: logger)
        let metrics = MetricsServer.application(
            host: configuration.metricsHost, port: configuration.metricsPort, registry: registry, logger: logger,
            onRunning: { port in logger.notice("metrics listening", metadata: ["metrics_port": "\(port)"]) })
        // Shut down in reverse order: cameras, then the shipper, then the spool's last commit.
        let renewal = CertificateRenewalService(
            files: CertificateFiles(certificatePath: shipping.certificate, keyPath: shipping.key), client: client,
            endpoints: shipping.endpoints, agentID: configuration.agentID, logger: logger)
        let reload = ReloadOnHangup(client: client, logger: logger)
        let uploader = SnapshotUploader(
            store: snapshots, spool: spool, client: client,
            endpoints: shipping.endpoints, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: metrics, failureTerminationBehavior: .ignore), .init(service: reload), .init(service: renewal), .init(service: adminServer, failureTerminationBehavior: .ignore), .init(service: status), .init(service: commit), .init(service: shipper), .init(service: uploader)] + cameras,
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.notice("agent running", metadata: [
            "agent_id": "\(configuration.agentID)", "cameras": "\(configuration.cameras.count)",
            "first_event_id": "\(max(spool.recoveredMaxID + 1, UInt64(nowMs) * 1000))",
        ])
        try? notifier.ready(status: "\(configuration.cameras.count) cameras")
        var failure: (any Error)?
        do { try await group.run() } catch { failure = error }
        await client.shutdown()
        if let failure { throw failure }
    }
}

extension RunCommand {
    /// The person detector for cameras with `objects.detector: neural`. Without its model or runtime
    /// the agent still runs: those cameras fall back to size-and-shape classification, loudly (log
    /// line, `citywatch_agent_person_detector_available` 0, and the cameras' status says so).
    static func loadNeural(_ configuration: AgentConfiguration, board: AgentStatusBoard, logger: Logger) -> NeuralSetup? {
        let wanting = configuration.cameras.filter(\.neural).map(\.id)
        let available = Gauge(label: "citywatch_agent_person_detector_available")
        guard !wanting.isEmpty else { return nil }
        do {
            let detector = try NeuralPersonDetector(files: configuration.detector.files, threads: configuration.detector.threads)
            available.record(1)
            for camera in wanting { board.setDetector(camera: camera, "neural") }
            logger.notice("person detector loaded", metadata: [
                "model": "\(detector.files.model)", "onnxruntime": "\(detector.runtimeVersion)", "cameras": "\(wanting.joined(separator: ","))",
                "max_inferences_per_s": "\(configuration.detector.maxInferencesPerSecond)",
            ])
            return NeuralSetup(
                detector: detector, budget: InferenceBudget(perSecond: configuration.detector.maxInferencesPerSecond, cameras: wanting),
                minScore: configuration.detector.minScore)
        } catch {
            available.record(0)
            for camera in wanting { board.setDetector(camera: camera, "heuristic (person detector unavailable)") }
            logger.error("person detector unavailable: these cameras fall back to size-and-shape classification", metadata: [
                "cameras": "\(wanting.joined(separator: ","))", "error": "\(error)",
            ])
            return nil
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
