import ArgumentParser
import Foundation
import Logging
import Shared

/// `edge-agent detect`: capture + detection offline, for field checks, tuning and scoring.
struct DetectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Run capture and detection on a source and print the events.",
        discussion: """
            SOURCE is a URL ffmpeg reads (rtsp://…, http://…), a video file, or synthetic:NAME (\(SceneCatalog.names.joined(separator: ", "))).
            Events go to standard output (JSON lines in the wire schema with --json); a summary goes to standard error.
            """)

    @Option(help: "URL, file, or synthetic:NAME.") var source: String
    @Option(help: "Agent configuration file (cameras, zones, lines…).") var config: String?
    @Option(help: "Camera id in --config to use (default: the first).") var camera: String?
    @Flag(help: "Print events as JSON lines.") var json = false
    @Option(help: "Write an annotated PNG at each event start into this directory.") var snapshotDir: String?
    @Option(help: "Write every confirmed track box of every frame in MOTChallenge CSV.") var tracks: String?
    @Option(help: "With --tracks: only tracks of this class (person, vehicle, object, unknown), e.g. to score person tracking.") var tracksClass: String?
    @Flag(help: "Process at the source's pace instead of as fast as possible.") var realtime = false
    @Option(help: "Detect width without --config (default 640; synthetic scenes use their own).") var width: Int?
    @Option(help: "Detect height without --config (default 360).") var height: Int?
    @Option(help: "Detect fps without --config (default 5).") var fps: Double?
    @Option(help: "Object classification: heuristic (size and shape) or neural (people confirmed by the person detector; default: the camera's objects.detector).") var detector: String?
    @Option(help: "The person detector's directory (default: the config's detector.model_directory, $CITYWATCH_MODEL_DIR, /usr/local/share/citywatch/models).") var modelDir: String?
    @Option(help: "Person-detector inferences per second of video (offline runs are not rate-limited by the clock).") var maxInferencesPerS = 4.0

    func run() async throws {
        var camera = try resolveCamera()
        if let detector {
            guard ["heuristic", "neural"].contains(detector) else { throw ValidationError("--detector must be heuristic or neural") }
            camera.neural = detector == "neural"
        }
        let neural = try neuralSetup(for: camera)
        var trackClass: ObjectClass?
        if let tracksClass {
            guard let parsed = ObjectClass(name: tracksClass) else {
                throw ValidationError("--tracks-class must be one of \(ObjectClass.allCases.map(\.name).joined(separator: ", ")), not '\(tracksClass)'")
            }
            trackClass = parsed
        }
        var output = DetectOutput(json: json, tracksPath: tracks, snapshotDirectory: snapshotDir, rules: camera.pipeline.rules)
        output.trackClass = trackClass
        try output.open()
        let ids = EventIDAllocator()
        let started = ContinuousClock.now
        var pipeline: CameraPipeline?
        var events: [Event] = []
        var lastTime: Int64 = 0

        if source.hasPrefix("synthetic:") {
            guard let scene = SceneCatalog.scene(named: String(source.dropFirst("synthetic:".count))) else {
                throw ValidationError("unknown scene '\(source)'; known: \(SceneCatalog.names.joined(separator: ", "))")
            }
            let renderer = SceneRenderer(scene: scene)
            var p = CameraPipeline(
                cameraID: camera.id, width: scene.width, height: scene.height, configuration: camera.pipeline, ids: ids,
                detector: neural?.objectDetector(camera: camera.id, objects: camera.pipeline.objects, width: scene.width, height: scene.height, logger: Logger(label: "detect")))
            for i in 0..<scene.frameCount {
                let frame = renderer.render(frame: i)
                if realtime { try await Task.sleep(for: .milliseconds(Int(1000 / scene.fps))) }
                events.removeAll(keepingCapacity: true)
                p.process(frame, into: &events)
                try output.frame(frame, pipeline: p, events: events)
                lastTime = frame.captureTimeMs
            }
            pipeline = p
        } else {
            var logger = Logger(label: "edge-agent.detect")
            logger.logLevel = .warning
            var c = FFmpegFrameSource.Configuration(url: source)
            c.width = camera.detect.width
            c.height = camera.detect.height
            c.fps = camera.detect.fps
            c.keyframesOnly = camera.detect.keyframesOnly
            c.stallTimeout = camera.detect.stallTimeoutSeconds
            c.realtime = realtime
            c.maxRestarts = 3
            var p = CameraPipeline(
                cameraID: camera.id, width: c.width, height: c.height, configuration: camera.pipeline, ids: ids,
                detector: neural?.objectDetector(camera: camera.id, objects: camera.pipeline.objects, width: c.width, height: c.height, logger: logger))
            for await captured in FFmpegFrameSource(configuration: c, logger: logger) {
                events.removeAll(keepingCapacity: true)
                switch captured {
                case .frame(let frame):
                    p.process(frame, into: &events)
                    try output.frame(frame, pipeline: p, events: events)
                    lastTime = frame.captureTimeMs
                case .videoLost(let reason, let restarts, let at):
                    p.videoLost(reason: reason, restarts: restarts, atMs: at, into: &events)
                    try output.events(events)
                case .videoRestored(let at):
                    p.videoRestored(atMs: at, into: &events)
                    try output.events(events)
                }
            }
            pipeline = p
        }
        guard var finished = pipeline else { return }
        events.removeAll()
        finished.finish(atMs: lastTime, into: &events)
        try output.events(events)
        output.close()
        let elapsed = ContinuousClock.now - started
        let seconds = elapsed.seconds
        DetectSummary(camera: camera.id, statistics: finished.statistics, seconds: seconds, inferences: neural?.detector.runCount).print()
        if finished.statistics.frames == 0 { throw ExitCode(2) }
    }

    /// The person detector when the camera (or --detector) asks for it; a missing model is an
    /// error here (a technician asked for it), not a fallback.
    private func neuralSetup(for camera: CameraConfiguration) throws -> NeuralSetup? {
        guard camera.neural else { return nil }
        var settings = DetectorSettings()
        if let config { settings = try AgentConfiguration.load(path: config).detector }
        if let modelDir { settings.modelDirectory = modelDir }
        guard maxInferencesPerS > 0 else { throw ValidationError("--max-inferences-per-s must be > 0") }
        do {
            let detector = try NeuralPersonDetector(files: settings.files, threads: settings.threads)
            return NeuralSetup(detector: detector, budget: InferenceBudget(perSecond: maxInferencesPerS, cameras: [camera.id]), minScore: settings.minScore)
        } catch {
            throw ValidationError("--detector neural: \(error)")
        }
    }

    private func resolveCamera() throws -> CameraConfiguration {
        if let config {
            let agent = try AgentConfiguration.load(path: config)
            guard let chosen = camera.map({ id in agent.cameras.first { $0.id == id } }) ?? agent.cameras.first else {
                throw ValidationError(camera.map { "no camera '\($0)' in \(config)" } ?? "\(config) has no cameras")
            }
            return chosen
        }
        var defaults = CameraConfiguration(id: camera ?? "cam-1", source: source)
        if source.hasPrefix("synthetic:"), let scene = SceneCatalog.scene(named: String(source.dropFirst("synthetic:".count))) {
            defaults.pipeline.rules = scene.rules
        }
        if let width { defaults.detect.width = width }
        if let height { defaults.detect.height = height }
        if let fps { defaults.detect.fps = fps }
        do { try defaults.detect.validate() } catch {
            throw ValidationError("--\(error.subPath ?? "detect"): \(error.message)")
        }
        return defaults
    }
}

/// The end-of-run summary (standard error).
struct DetectSummary {
    let camera: String
    let statistics: CameraPipeline.Statistics
    let seconds: Double
    /// Person-detector inferences run, with --detector neural.
    var inferences: Int?

    func print() {
        let fps = seconds > 0 ? Double(statistics.frames) / seconds : 0
        var lines = [
            "camera \(camera): \(statistics.frames) frames in \(String(format: "%.2f", seconds)) s (\(String(format: "%.0f", fps)) fps)",
            "tracks confirmed: \(statistics.confirmedTracks); global changes ignored: \(statistics.globalChanges)",
        ]
        let kinds = statistics.eventsByKind.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        lines.append("events started: " + (kinds.isEmpty ? "none" : kinds.joined(separator: " ")))
        if let inferences { lines.append("person detector inferences: \(inferences)") }
        FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }
}
