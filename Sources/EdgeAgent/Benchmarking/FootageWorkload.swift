import Foundation
import Logging
import Shared

/// The `bench detector` footage workload: a real clip decoded once by ffmpeg into memory (so the
/// figures are the pipeline's, not the decoder's), run through the camera pipeline with and without
/// the neural person detector; plus the people-free scenes, to count false person alarms.
public struct FootageWorkload {
    let frames: [Frame]
    public let fps: Double
    private let modelDirectory: String

    /// What one run over the frames gave.
    public struct Run: Sendable {
        /// Tracks whose intrusion started as `person`.
        public var personAlarms: Int
        public var inferences: Int
        /// Process CPU time (user + system) the run took.
        public var cpuSeconds: Double
    }

    /// Decodes `clip` at `width`×`height` and `fps` (4:2:0), at most `maxFrames` frames.
    public init(modelDirectory: String, clip: String, width: Int, height: Int, fps: Double = 10, maxFrames: Int = 400) throws {
        self.modelDirectory = modelDirectory
        self.fps = fps
        frames = try Self.decode(clip, width: width, height: height, fps: fps, maxFrames: maxFrames)
    }

    public var frameCount: Int { frames.count }
    public var videoSeconds: Double { Double(frames.count) / fps }

    /// The pipeline over the clip with whole-frame intrusion; `neural` confirms people with the
    /// detector at `inferencesPerSecond` (one thread).
    public func run(neural: Bool, inferencesPerSecond: Double = 4) throws -> Run {
        try Self.run(frames: frames, modelDirectory: modelDirectory, neural: neural, inferencesPerSecond: inferencesPerSecond)
    }

    /// Person alarms on people-free scenes with heavy motion: the synthetic foliage, rain, sensor
    /// noise and light switches, a person-shaped shadow, and the real swaying tree (`treeClip`).
    public static func falseAlarms(modelDirectory: String, treeClip: String, neural: Bool) throws -> Int {
        var total = 0
        for name in ["foliage", "rain", "noise", "lightswitch", "shadow"] {
            guard let scene = SceneCatalog.scene(named: name) else { continue }
            let renderer = SceneRenderer(scene: scene)
            let frames = (0..<scene.frameCount).map { renderer.render(frame: $0) }
            total += try run(frames: frames, modelDirectory: modelDirectory, neural: neural, inferencesPerSecond: 4).personAlarms
        }
        let tree = try decode(treeClip, width: 320, height: 240, fps: 10, maxFrames: 400)
        total += try run(frames: tree, modelDirectory: modelDirectory, neural: neural, inferencesPerSecond: 4).personAlarms
        return total
    }

    private static func run(frames: [Frame], modelDirectory: String, neural: Bool, inferencesPerSecond: Double) throws -> Run {
        guard let first = frames.first else { return Run(personAlarms: 0, inferences: 0, cpuSeconds: 0) }
        var configuration = CameraPipeline.Configuration()
        configuration.rules = CameraRules.wholeFrame
        var detector: NeuralPersonDetector?
        var objectDetector: (any ObjectDetector)?
        if neural {
            let d = try NeuralPersonDetector(files: .init(directory: modelDirectory), threads: 1)
            let setup = NeuralSetup(detector: d, budget: InferenceBudget(perSecond: inferencesPerSecond, cameras: ["bench"]), minScore: 0.5)
            objectDetector = setup.objectDetector(camera: "bench", objects: configuration.objects, width: first.width, height: first.height, logger: .init(label: "bench"))
            detector = d
        }
        var pipeline = CameraPipeline(
            cameraID: "bench", width: first.width, height: first.height, configuration: configuration, ids: EventIDAllocator(), detector: objectDetector)
        var events: [Event] = []
        var people = Set<UInt64>()
        let cpu = cpuSeconds()
        for frame in frames {
            events.removeAll(keepingCapacity: true)
            pipeline.process(frame, into: &events)
            for e in events where e.phase == .start && e.attributes["object_class"] == .string("person") { people.insert(e.trackID) }
        }
        return Run(personAlarms: people.count, inferences: detector?.runCount ?? 0, cpuSeconds: cpuSeconds() - cpu)
    }

    private static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// ffmpeg → raw 4:2:0 planes → frames, 100 ms apart at 10 fps.
    private static func decode(_ clip: String, width: Int, height: Int, fps: Double, maxFrames: Int) throws -> [Frame] {
        guard FileManager.default.fileExists(atPath: clip) else { throw NeuralDetectorError("no clip at \(clip) (scripts/fetch-model.sh fetches it)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "ffmpeg", "-loglevel", "error", "-i", clip, "-frames:v", "\(maxFrames)", "-vf", "fps=\(fps),scale=\(width):\(height)",
            "-pix_fmt", "yuv420p", "-f", "rawvideo", "pipe:1",
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw NeuralDetectorError("ffmpeg could not decode \(clip)") }
        let lumaSize = width * height, chromaSize = (width / 2) * (height / 2), frameSize = lumaSize + 2 * chromaSize
        let bytes = [UInt8](data)
        return (0..<(bytes.count / frameSize)).map { i in
            let o = i * frameSize
            return Frame(
                width: width, height: height, luma: Array(bytes[o..<(o + lumaSize)]),
                chroma: ChromaPlanes(cb: Array(bytes[(o + lumaSize)..<(o + lumaSize + chromaSize)]), cr: Array(bytes[(o + lumaSize + chromaSize)..<(o + frameSize)])),
                index: i, captureTimeMs: Int64((Double(i) * 1000 / fps).rounded()))
        }
    }
}
