import ArgumentParser
import Foundation
import Logging
import Shared

/// `edge-agent cameras test ID`: what a technician checks at the pole. Opens the camera's stream
/// as configured (independently of the running agent), reports what the stream is (codec,
/// resolution, frame rate), how long it takes to open and to deliver frames, and runs detection
/// for a while to summarise what it sees and what it costs.
struct CameraTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test", abstract: "Open a configured camera, measure its stream and run detection on it for a while.")

    @Argument(help: "The camera's id in the configuration.") var id: String
    @Option(help: "The agent's configuration file.") var config = AdminOptions.defaultConfig
    @Option(help: "How long to run detection, in seconds.") var seconds = 10.0
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must be in (0, 600]") }
    }

    struct Report: Codable {
        var camera: String
        var source: String
        var codec: String?
        var streamWidth: Int?
        var streamHeight: Int?
        var streamFPS: Double?
        var probeMs: Int64?
        var probeError: String?
        var detectWidth: Int
        var detectHeight: Int
        var firstFrameMs: Int64?
        var frames: Int
        var seconds: Double
        var fps: Double
        var detectMsP50: Double?
        var detectMsP95: Double?
        var videoLost: [String]
        var eventsStarted: [String: Int]
        var confirmedTracks: Int

        enum CodingKeys: String, CodingKey {
            case camera, source, codec, streamWidth = "stream_width", streamHeight = "stream_height", streamFPS = "stream_fps"
            case probeMs = "probe_ms", probeError = "probe_error", detectWidth = "detect_width", detectHeight = "detect_height"
            case firstFrameMs = "first_frame_ms", frames, seconds, fps, detectMsP50 = "detect_ms_p50", detectMsP95 = "detect_ms_p95"
            case videoLost = "video_lost", eventsStarted = "events_started", confirmedTracks = "confirmed_tracks"
        }
    }

    func run() async throws {
        let agent: AgentConfiguration
        do { agent = try AgentConfiguration.load(path: config) } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(78)
        }
        guard let camera = agent.cameras.first(where: { $0.id == id }) else {
            let known = agent.cameras.map(\.id).joined(separator: ", ")
            FileHandle.standardError.write(Data("error: no camera '\(id)' in \(config) (cameras: \(known.isEmpty ? "none" : known))\n".utf8))
            throw ExitCode(64)
        }
        var report = Report(
            camera: camera.id, source: SourceURL.redacted(camera.source), detectWidth: camera.detect.width,
            detectHeight: camera.detect.height, frames: 0, seconds: 0, fps: 0, videoLost: [], eventsStarted: [:], confirmedTracks: 0)
        if camera.source.hasPrefix("synthetic:") {
            try runSynthetic(camera, &report)
        } else {
            probe(camera.source, &report)
            await runLive(camera, &report)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(Self.render(report))
        }
        if report.frames == 0 { throw ExitCode(2) }
    }

    /// ffprobe's view of the first video stream, and how long opening it took.
    private func probe(_ source: String, _ report: inout Report) {
        let started = ContinuousClock.now
        var arguments = ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_name,width,height,avg_frame_rate", "-of", "json"]
        if source.hasPrefix("rtsp://") { arguments += ["-rtsp_transport", "tcp", "-timeout", "5000000"] }
        arguments.append(source)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ffprobe"] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch {
            report.probeError = "ffprobe did not start: \(error)"
            return
        }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        report.probeMs = Int64((ContinuousClock.now - started).seconds * 1000)
        guard process.terminationStatus == 0,
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let stream = (object["streams"] as? [[String: Any]])?.first
        else {
            let why = String(decoding: errors, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            report.probeError = why.isEmpty ? "no video stream" : SourceURL.redactingCredentials(in: why)
            return
        }
        report.codec = stream["codec_name"] as? String
        report.streamWidth = stream["width"] as? Int
        report.streamHeight = stream["height"] as? Int
        if let rate = stream["avg_frame_rate"] as? String {
            let parts = rate.split(separator: "/").compactMap { Double($0) }
            if parts.count == 2, parts[1] > 0 { report.streamFPS = parts[0] / parts[1] }
        }
    }

    private func runLive(_ camera: CameraConfiguration, _ report: inout Report) async {
        var c = FFmpegFrameSource.Configuration(url: camera.source)
        c.width = camera.detect.width
        c.height = camera.detect.height
        c.fps = camera.detect.fps
        c.keyframesOnly = camera.detect.keyframesOnly
        c.stallTimeout = min(camera.detect.stallTimeoutSeconds, seconds)
        c.realtime = !c.live
        c.maxRestarts = 0
        var logger = Logger(label: "edge-agent.cameras-test")
        logger.logLevel = .error
        let source = FFmpegFrameSource(configuration: c, logger: logger)
        let pipelineConfiguration = camera.pipeline
        let (id, limit, width, height) = (camera.id, seconds, c.width, c.height)
        let measured = await withTaskGroup(of: Measurement?.self) { group in
            group.addTask {
                var m = Measurement()
                let started = ContinuousClock.now
                var pipeline = CameraPipeline(cameraID: id, width: width, height: height, configuration: pipelineConfiguration, ids: EventIDAllocator())
                var events: [Event] = []
                for await captured in source {
                    switch captured {
                    case .frame(let frame):
                        if m.firstFrame == nil { m.firstFrame = ContinuousClock.now - started }
                        let t = ContinuousClock.now
                        events.removeAll(keepingCapacity: true)
                        pipeline.process(frame, into: &events)
                        m.detect.append((ContinuousClock.now - t).seconds * 1000)
                    case .videoLost(let reason, _, _): m.lost.append(reason)
                    case .videoRestored: break
                    }
                }
                m.elapsed = ContinuousClock.now - started
                m.statistics = pipeline.statistics
                return m
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(limit))
                return nil
            }
            var result: Measurement?
            // Whichever ends first (the stream, or the time limit) ends the other; the measurement
            // returns what it saw when cancelled.
            for await next in group {
                group.cancelAll()
                if let next { result = next }
            }
            return result ?? Measurement()
        }
        report.firstFrameMs = measured.firstFrame.map { Int64($0.seconds * 1000) }
        fill(&report, measured)
    }

    private func runSynthetic(_ camera: CameraConfiguration, _ report: inout Report) throws {
        let name = String(camera.source.dropFirst("synthetic:".count))
        guard let scene = SceneCatalog.scene(named: name) else {
            throw CLIFailure(message: "unknown synthetic scene '\(name)'; known: \(SceneCatalog.names.joined(separator: ", "))", code: 78)
        }
        (report.streamWidth, report.streamHeight, report.streamFPS, report.codec) = (scene.width, scene.height, scene.fps, "synthetic")
        (report.detectWidth, report.detectHeight) = (scene.width, scene.height)
        var configuration = camera.pipeline
        configuration.rules = scene.rules
        var pipeline = CameraPipeline(cameraID: camera.id, width: scene.width, height: scene.height, configuration: configuration, ids: EventIDAllocator())
        let renderer = SceneRenderer(scene: scene)
        var m = Measurement()
        let started = ContinuousClock.now
        var events: [Event] = []
        for i in 0..<min(scene.frameCount, Int(seconds * scene.fps)) {
            let frame = renderer.render(frame: i)
            let t = ContinuousClock.now
            events.removeAll(keepingCapacity: true)
            pipeline.process(frame, into: &events)
            m.detect.append((ContinuousClock.now - t).seconds * 1000)
        }
        m.elapsed = ContinuousClock.now - started
        m.statistics = pipeline.statistics
        report.firstFrameMs = 0
        fill(&report, m)
    }

    struct Measurement: Sendable {
        var firstFrame: Duration?
        var detect: [Double] = []
        var lost: [String] = []
        var elapsed: Duration = .zero
        var statistics = CameraPipeline.Statistics()
    }

    private func fill(_ report: inout Report, _ m: Measurement) {
        report.frames = m.detect.count
        report.seconds = m.elapsed.seconds
        report.fps = report.seconds > 0 ? Double(report.frames) / report.seconds : 0
        let sorted = m.detect.sorted()
        if !sorted.isEmpty {
            report.detectMsP50 = sorted[sorted.count / 2]
            report.detectMsP95 = sorted[min(sorted.count - 1, sorted.count * 95 / 100)]
        }
        report.videoLost = m.lost
        report.eventsStarted = m.statistics.eventsByKind
        report.confirmedTracks = m.statistics.confirmedTracks
    }

    static func render(_ r: Report) -> String {
        var lines = ["camera \(r.camera)  \(r.source)"]
        if let error = r.probeError {
            lines.append("stream   probe failed: \(error)")
        } else {
            let size = r.streamWidth.map { "\($0)x\(r.streamHeight ?? 0)" } ?? "?"
            lines.append("stream   \(r.codec ?? "?") \(size) at \(r.streamFPS.map { String(format: "%.1f", $0) } ?? "?") fps" + (r.probeMs.map { "; opened in \($0) ms" } ?? ""))
        }
        lines.append("detect   \(r.detectWidth)x\(r.detectHeight): \(r.frames) frames in \(String(format: "%.1f", r.seconds)) s (\(String(format: "%.1f", r.fps)) fps)"
            + (r.firstFrameMs.map { "; first frame after \($0) ms" } ?? "; no frame"))
        if let p50 = r.detectMsP50, let p95 = r.detectMsP95 {
            lines.append("cost     detection \(String(format: "%.2f", p50)) ms per frame (p50), \(String(format: "%.2f", p95)) ms (p95)")
        }
        if !r.videoLost.isEmpty { lines.append("video    lost: \(r.videoLost.joined(separator: "; "))") }
        let kinds = r.eventsStarted.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        lines.append("seen     \(r.confirmedTracks) confirmed tracks; events started: \(kinds.isEmpty ? "none" : kinds.joined(separator: " "))")
        if r.frames == 0 { lines.append("RESULT   no frames: check the URL, credentials, network and codec (ffmpeg must decode it)") }
        return lines.joined(separator: "\n")
    }
}
