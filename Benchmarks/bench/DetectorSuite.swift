import ArgumentParser
import EdgeAgent
import Foundation
import Shared

/// `bench detector`: one neural person-detector inference (ONNX Runtime, one thread) on a
/// person-sized motion crop and on a whole 640×360 frame, as ratios to the classical pipeline's
/// cost per 640×360 frame measured in the same run — what confirming a person costs in frames of
/// classical detection. Needs scripts/fetch-model.sh (scripts/bench.sh runs it).
struct DetectorSuite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detector", abstract: "Neural person detector: ms per inference, against the classical pipeline per frame.")

    @OptionGroup var options: SuiteOptions
    @Option(help: "The model directory (default $CITYWATCH_MODEL_DIR, else .build/models).") var modelDir: String?

    func run() throws {
        let directory = modelDir ?? ProcessInfo.processInfo.environment["CITYWATCH_MODEL_DIR"] ?? ".build/models"
        let workload = try DetectorWorkload(modelDirectory: directory)
        let vision = VisionWorkload(width: 640, height: 360)
        let rounds = options.quick ? 3 : 15
        var sink = 0
        let pipelineSeconds = Stopwatch.best(rounds: rounds) { sink &+= vision.runPipeline() }
        let pipelineMs = pipelineSeconds * 1000 / Double(vision.frameCount)
        let inferences = options.quick ? 5 : 40
        _ = try workload.inferCrop()  // first run: graph optimisation and allocation
        var cropMs: [Double] = [], frameMs: [Double] = []
        for _ in 0..<inferences {
            let a = ContinuousClock.now
            sink &+= try workload.inferCrop()
            cropMs.append((ContinuousClock.now - a).seconds * 1000)
            let b = ContinuousClock.now
            sink &+= try workload.inferFrame()
            frameMs.append((ContinuousClock.now - b).seconds * 1000)
        }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        if sink == 42 { print("") }
        BenchReport.print([
            .init(suite: "detector", name: "pipeline/640x360/ms_per_frame", value: pipelineMs, unit: "ms"),
            .init(suite: "detector", name: "inference/crop_\(workload.cropSize)/ms", value: median(cropMs), unit: "ms",
                  baseline: "pipeline/640x360/ms_per_frame", baselineValue: pipelineMs),
            .init(suite: "detector", name: "inference/frame_640x360/ms", value: median(frameMs), unit: "ms",
                  baseline: "pipeline/640x360/ms_per_frame", baselineValue: pipelineMs),
        ], json: options.json)
    }
}
