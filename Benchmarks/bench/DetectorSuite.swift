import ArgumentParser
import EdgeAgent
import Foundation
import Shared

/// `bench detector`: one neural person-detector inference (ONNX Runtime) on a person-sized motion
/// crop (one and two threads) and on a whole 640×360 frame, as ratios to the classical pipeline's
/// cost per 640×360 frame measured in the same run; the agent's CPU per camera on a real street
/// clip at 10 fps with the detector on motion (4 inferences/s) against classical detection alone;
/// and person false alarms on people-free scenes with and without the detector. Needs
/// scripts/fetch-model.sh (scripts/bench.sh runs it), which also fetches the clips.
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
        let twoThreads = try DetectorWorkload(modelDirectory: directory, threads: 2)
        _ = try twoThreads.inferCrop()
        var cropMs2: [Double] = []
        for _ in 0..<inferences {
            let a = ContinuousClock.now
            sink &+= try twoThreads.inferCrop()
            cropMs2.append((ContinuousClock.now - a).seconds * 1000)
        }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        if sink == 42 { print("") }

        // A real street clip, decoded once: the agent's CPU per camera at 10 fps.
        let footage = try FootageWorkload(
            modelDirectory: directory, clip: directory + "/testdata/vtest.avi", width: 768, height: 576, fps: 10, maxFrames: options.quick ? 100 : 400)
        let classical = try footage.run(neural: false), neural = try footage.run(neural: true)
        let percent = { (run: FootageWorkload.Run) in run.cpuSeconds / footage.videoSeconds * 100 }
        // People-free scenes with heavy motion.
        let tree = directory + "/testdata/tree.avi"
        let alarmsClassical = try FootageWorkload.falseAlarms(modelDirectory: directory, treeClip: tree, neural: false)
        let alarmsNeural = try FootageWorkload.falseAlarms(modelDirectory: directory, treeClip: tree, neural: true)

        let crop = "inference/crop_\(workload.cropSize)/ms"
        BenchReport.print([
            .init(suite: "detector", name: "pipeline/640x360/ms_per_frame", value: pipelineMs, unit: "ms"),
            .init(suite: "detector", name: crop, value: median(cropMs), unit: "ms",
                  baseline: "pipeline/640x360/ms_per_frame", baselineValue: pipelineMs),
            .init(suite: "detector", name: "inference/crop_\(workload.cropSize)/ms_2_threads", value: median(cropMs2), unit: "ms",
                  baseline: crop, baselineValue: median(cropMs)),
            .init(suite: "detector", name: "inference/frame_640x360/ms", value: median(frameMs), unit: "ms",
                  baseline: "pipeline/640x360/ms_per_frame", baselineValue: pipelineMs),
            .init(suite: "detector", name: "footage/vtest_768x576_10fps/classical/cpu_percent_per_camera", value: percent(classical), unit: "%"),
            .init(suite: "detector", name: "footage/vtest_768x576_10fps/neural_4ips/cpu_percent_per_camera", value: percent(neural), unit: "%",
                  baseline: "footage/vtest_768x576_10fps/classical/cpu_percent_per_camera", baselineValue: percent(classical)),
            .init(suite: "detector", name: "footage/vtest_768x576_10fps/neural_4ips/inferences_per_s", value: Double(neural.inferences) / footage.videoSeconds, unit: "1/s"),
            .init(suite: "detector", name: "footage/vtest_768x576_10fps/neural_4ips/person_alarms", value: Double(neural.personAlarms), unit: "alarms",
                  baseline: "footage/vtest_768x576_10fps/classical/person_alarms", baselineValue: Double(classical.personAlarms)),
            .init(suite: "detector", name: "false_alarms/people_free_scenes/neural/person_alarms", value: Double(alarmsNeural), unit: "alarms",
                  baseline: "false_alarms/people_free_scenes/classical/person_alarms", baselineValue: Double(alarmsClassical)),
        ], json: options.json)
    }
}
