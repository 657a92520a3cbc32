import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Shared

/// One camera under `edge-agent run`: capture → detection → spool. Live sources reconnect for
/// ever (FFmpegFrameSource's backoff) and files loop; `synthetic:NAME` plays the scene (with its
/// own zones, lines and gauges) in a loop at its frame rate × `syntheticSpeed`, in scene time
/// from the wall clock at each loop's start. On graceful shutdown capture stops first
/// and open event lifecycles are ended, so the last events reach the spool before it is synced.
struct CameraService: Service {
    let camera: CameraConfiguration
    let spool: Spool
    let ids: EventIDAllocator
    let syntheticSpeed: Double
    let logger: Logger
    /// Commands from the aggregator: a watch profile tags and raises this camera's events, an fps
    /// cap thins the frames analysed.
    var controls: CommandDesk? = nil
    /// What `edge-agent status` shows: frames, detection time, events; snapshots are taken here.
    var board: AgentStatusBoard? = nil
    /// The neural person detector, for a camera with `objects.detector: neural` (nil: not available).
    var neural: NeuralSetup? = nil

    private func makePipeline(width: Int, height: Int, configuration: CameraPipeline.Configuration) -> CameraPipeline {
        let detector: (any ObjectDetector)? = camera.neural
            ? neural?.objectDetector(camera: camera.id, objects: configuration.objects, width: width, height: height, logger: logger) : nil
        return CameraPipeline(cameraID: camera.id, width: width, height: height, configuration: configuration, ids: ids, detector: detector)
    }

    func run() async throws {
        let frames = Counter(label: "citywatch_agent_frames_total", dimensions: [("camera", camera.id)])
        if camera.source.hasPrefix("synthetic:") {
            try await runSynthetic(frames: frames)
        } else {
            try await runLive(frames: frames)
        }
    }

    private func append(_ events: [Event]) {
        guard !events.isEmpty else { return }
        var events = events
        if let profile = controls?.control(of: camera.id).profile, profile != "default" {
            // Watching more closely: operators see the profile, and alarms count one level higher.
            for i in events.indices {
                events[i].attributes["profile"] = .string(profile)
                if let raised = Severity(rank: events[i].severity.rank + 1) { events[i].severity = raised }
            }
        }
        do {
            try spool.append(events)
            board?.record(events)
            for event in events {
                Counter(label: "citywatch_agent_events_total", dimensions: [("kind", event.kind.rawValue)]).increment()
            }
        } catch {
            logger.error("spool append failed", metadata: ["camera": "\(camera.id)", "error": "\(error)"])
        }
    }

    /// Detection on one frame, timed for the status board; a waiting snapshot request gets this
    /// frame with the camera's zones, lines and confirmed tracks drawn on it.
    private func analyse(_ frame: Frame, _ pipeline: inout CameraPipeline, into events: inout [Event]) {
        let started = ContinuousClock.now
        pipeline.process(frame, into: &events)
        guard let board else { return }
        let wanted = board.frameAnalysed(
            camera: camera.id, width: frame.width, height: frame.height,
            detectionNanos: UInt64(max(0, (ContinuousClock.now - started).seconds * 1e9)), nowMs: Int64(Date().timeIntervalSince1970 * 1000))
        let commanded = controls?.snapshotRequest(for: camera.id) != nil
        guard wanted || commanded else { return }
        let rgb = SnapshotRenderer(frame: frame, rules: pipeline.configuration.rules, tracks: pipeline.tracker.tracks.filter(\.confirmed)).render()
        let png = PNGEncoder.encodeRGB(width: frame.width, height: frame.height, pixels: rgb)
        if wanted { board.deliverSnapshot(camera.id, png: png) }
        if commanded, let controls, let directory = controls.snapshotDirectory {
            let name = "\(camera.id)-\(frame.captureTimeMs).png"
            let outcome = Result<String, any Error> {
                try SnapshotStore(directory: directory).save(png, as: name)
                return "snapshots/\(name)"
            }
            controls.snapshotTaken(camera: camera.id, outcome: outcome, nowMs: Int64(Date().timeIntervalSince1970 * 1000))
        }
    }

    private func runSynthetic(frames: Counter) async throws {
        let name = String(camera.source.dropFirst("synthetic:".count))
        guard let scene = SceneCatalog.scene(named: name) else {
            logger.error("unknown synthetic scene", metadata: ["camera": "\(camera.id)", "scene": "\(name)"])
            return
        }
        let renderer = SceneRenderer(scene: scene)
        let period = Duration.seconds(1 / (scene.fps * syntheticSpeed))
        // A synthetic scene brings its own geometry (zones, lines, gauges) with its ground truth.
        var configuration = camera.pipeline
        configuration.rules = scene.rules
        var events: [Event] = []
        var last: Int64 = 0
        var gate = FrameGate()
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            var pipeline = makePipeline(width: scene.width, height: scene.height, configuration: configuration)
            // Scene time from the loop's start, so that holds and dwell times mean what they say at
            // any playback speed.
            let loopStart = max(Int64(Date().timeIntervalSince1970 * 1000), last + 1000)
            for i in 0..<scene.frameCount {
                if Task.isShuttingDownGracefully || Task.isCancelled { break }
                var frame = renderer.render(frame: i)
                frame.captureTimeMs = loopStart + Int64(Double(i) * 1000 / scene.fps)
                last = frame.captureTimeMs
                guard gate.admit(frame.captureTimeMs, cap: controls?.control(of: camera.id).fps) else {
                    try? await Task.sleep(for: period)
                    continue
                }
                events.removeAll(keepingCapacity: true)
                analyse(frame, &pipeline, into: &events)
                frames.increment()
                append(events)
                try? await Task.sleep(for: period)
            }
            events.removeAll(keepingCapacity: true)
            pipeline.finish(atMs: last, into: &events)
            append(events)
        }
    }

    private func runLive(frames: Counter) async throws {
        var c = FFmpegFrameSource.Configuration(url: camera.source)
        c.width = camera.detect.width
        c.height = camera.detect.height
        c.fps = camera.detect.fps
        c.keyframesOnly = camera.detect.keyframesOnly
        c.stallTimeout = camera.detect.stallTimeoutSeconds
        if let board { c.onProcessStart = { [id = camera.id] pid in board.decoderStarted(camera: id, pid: pid) } }
        if !c.live {
            c.realtime = true  // a file plays at its own pace, like a camera, and loops
            c.inputOptions = ["-stream_loop", "-1"] + c.inputOptions
        }
        var pipeline = makePipeline(width: c.width, height: c.height, configuration: camera.pipeline)
        var events: [Event] = []
        var last: Int64 = 0
        var gate = FrameGate()
        for await captured in FFmpegFrameSource(configuration: c, logger: logger).cancelOnGracefulShutdown() {
            events.removeAll(keepingCapacity: true)
            switch captured {
            case .frame(let frame):
                guard gate.admit(frame.captureTimeMs, cap: controls?.control(of: camera.id).fps) else { continue }
                analyse(frame, &pipeline, into: &events)
                frames.increment()
                last = frame.captureTimeMs
            case .videoLost(let reason, let restarts, let at):
                pipeline.videoLost(reason: reason, restarts: restarts, atMs: at, into: &events)
            case .videoRestored(let at):
                pipeline.videoRestored(atMs: at, into: &events)
            }
            append(events)
        }
        events.removeAll()
        pipeline.finish(atMs: last, into: &events)
        append(events)
    }
}
