import Shared

import Logging

/// What a camera needs to confirm people with the neural detector (shared by the agent's cameras).
struct NeuralSetup: Sendable {
    let detector: NeuralPersonDetector
    let budget: InferenceBudget
    let minScore: Double

    /// The confirming detector for one camera's pipeline, with the heuristic calibrated as the
    /// pipeline would calibrate its own.
    func objectDetector(camera: String, objects: HeuristicObjectDetector.Configuration, width: Int, height: Int, logger: Logger) -> NeuralConfirmingDetector {
        var objects = objects
        objects.frameAspect = Double(width) / Double(max(height, 1))
        return NeuralConfirmingDetector(
            heuristic: HeuristicObjectDetector(configuration: objects), neural: detector, budget: budget, cameraID: camera,
            minScore: minScore, logger: logger)
    }
}

/// config `detector`: the neural person detector's files and budget (docs/MODELS.md). Cameras opt
/// in with `objects.detector: neural`.
struct DetectorSettings: Decodable, Sendable {
    /// Where fetch-model.sh put the model and runtime (default `$CITYWATCH_MODEL_DIR`, else
    /// /usr/local/share/citywatch/models).
    var modelDirectory: String?
    /// The whole agent's inferences per second, shared equally by the neural cameras (default 4).
    var maxInferencesPerSecond = 4.0
    var minScore = 0.5
    var threads = 1

    enum CodingKeys: String, CodingKey {
        case modelDirectory = "model_directory", maxInferencesPerSecond = "max_inferences_per_s", minScore = "min_score", threads
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        modelDirectory = try c.decodeIfPresent(String.self, forKey: .modelDirectory)
        maxInferencesPerSecond = try c.decode(.maxInferencesPerSecond, default: 4.0)
        guard maxInferencesPerSecond > 0, maxInferencesPerSecond <= 100 else { throw ConfigValueError("max_inferences_per_s must be in (0, 100]", at: "max_inferences_per_s") }
        minScore = try c.decode(.minScore, default: 0.5)
        guard (0.05...0.99).contains(minScore) else { throw ConfigValueError("min_score must be 0.05...0.99", at: "min_score") }
        threads = try c.decode(.threads, default: 1)
        guard (1...8).contains(threads) else { throw ConfigValueError("threads must be 1...8", at: "threads") }
    }

    var files: NeuralPersonDetector.Files {
        modelDirectory.map { NeuralPersonDetector.Files(directory: $0) } ?? .fromEnvironment()
    }
}
