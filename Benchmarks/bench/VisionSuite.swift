import ArgumentParser
@testable import EdgeAgent
import Shared

/// `bench vision`: the full detection pipeline per frame (motion, blobs, classification,
/// tracking, every analytic, event lifecycles) on pre-rendered synthetic video, next to the cost
/// of copying one frame (the memory floor) measured in the same run.
struct VisionSuite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vision", abstract: "Detection pipeline: ms/frame and frames/s per core.")

    @OptionGroup var options: SuiteOptions

    func run() throws {
        var results: [BenchResult] = []
        for (width, height) in [(640, 360), (1280, 720)] {
            guard var scene = SceneCatalog.scene(named: "walkers") else { return }
            scene.width = width
            scene.height = height
            var rules = scene.rules
            rules.zones[0].loitering = DwellRule(seconds: 30)
            rules.gauges = [WaterGaugeRule(name: "g", region: Rect(x: 0.9, y: 0.1, width: 0.05, height: 0.8), y1: 0.9, cm1: 0, y2: 0.1, cm2: 400, thresholdCm: 300)]
            rules.smokeFire = SmokeFireRules(smoke: true, fire: true)
            scene.rules = rules
            let renderer = SceneRenderer(scene: scene)
            let frames = (0..<scene.frameCount).map { renderer.render(frame: $0) }
            let rounds = options.quick ? 1 : 5

            // Baseline: copying each frame's luma plane once (what any pipeline must at least touch).
            var sink = 0
            let copySeconds = Stopwatch.best(rounds: rounds) {
                for frame in frames {
                    // A real copy (Array(frame.luma) would only share the buffer).
                    let copy = [UInt8](unsafeUninitializedCapacity: frame.luma.count) { buffer, count in
                        frame.luma.withUnsafeBufferPointer { source in
                            buffer.baseAddress!.update(from: source.baseAddress!, count: source.count)
                        }
                        count = frame.luma.count
                    }
                    sink &+= Int(copy[copy.count / 2])
                }
            }
            var configuration = CameraPipeline.Configuration()
            configuration.rules = rules
            var events: [Event] = []
            let pipelineSeconds = Stopwatch.best(rounds: rounds) {
                var pipeline = CameraPipeline(cameraID: "bench", width: width, height: height, configuration: configuration, ids: EventIDAllocator())
                for frame in frames {
                    events.removeAll(keepingCapacity: true)
                    pipeline.process(frame, into: &events)
                }
                sink &+= pipeline.statistics.frames
            }
            let n = Double(frames.count)
            let size = "\(width)x\(height)"
            let copyFPS = n / copySeconds, pipelineFPS = n / pipelineSeconds
            results.append(.init(suite: "vision", name: "frame_copy/\(size)/fps", value: copyFPS, unit: "frames/s"))
            results.append(.init(suite: "vision", name: "pipeline/\(size)/fps", value: pipelineFPS, unit: "frames/s",
                                 baseline: "frame_copy/\(size)/fps", baselineValue: copyFPS))
            results.append(.init(suite: "vision", name: "pipeline/\(size)/ms_per_frame", value: 1000 / pipelineFPS, unit: "ms",
                                 baseline: "frame_copy/\(size)/ms_per_frame", baselineValue: 1000 / copyFPS))
            if sink == 42 { print("") }  // keep the work observable
        }
        BenchReport.print(results, json: options.json)
    }
}
