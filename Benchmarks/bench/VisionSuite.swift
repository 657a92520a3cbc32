import ArgumentParser
import EdgeAgent

/// `bench vision`: the full detection pipeline per frame (motion, blobs, classification,
/// tracking, every analytic, event lifecycles) on pre-rendered synthetic video, next to the cost
/// of copying one frame (the memory floor) measured in the same run.
struct VisionSuite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vision", abstract: "Detection pipeline: ms/frame and frames/s per core.")

    @OptionGroup var options: SuiteOptions

    func run() throws {
        var results: [BenchResult] = []
        var sink = 0
        for (width, height) in [(640, 360), (1280, 720)] {
            let workload = VisionWorkload(width: width, height: height)
            let rounds = options.quick ? 1 : 25
            let copySeconds = Stopwatch.best(rounds: rounds) { sink &+= workload.copyFrames() }
            let pipelineSeconds = Stopwatch.best(rounds: rounds) { sink &+= workload.runPipeline() }
            let n = Double(workload.frameCount)
            let size = "\(width)x\(height)"
            let copyFPS = n / copySeconds, pipelineFPS = n / pipelineSeconds
            results.append(.init(suite: "vision", name: "frame_copy/\(size)/fps", value: copyFPS, unit: "frames/s"))
            results.append(.init(suite: "vision", name: "frame_copy/\(size)/ms_per_frame", value: 1000 / copyFPS, unit: "ms"))
            results.append(.init(suite: "vision", name: "pipeline/\(size)/fps", value: pipelineFPS, unit: "frames/s",
                                 baseline: "frame_copy/\(size)/fps", baselineValue: copyFPS))
            results.append(.init(suite: "vision", name: "pipeline/\(size)/ms_per_frame", value: 1000 / pipelineFPS, unit: "ms",
                                 baseline: "frame_copy/\(size)/ms_per_frame", baselineValue: 1000 / copyFPS))
        }
        if sink == 42 { print("") }  // keeps the work observable
        BenchReport.print(results, json: options.json)
    }
}
