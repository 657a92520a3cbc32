import Shared

/// The `bench detector` workload: the neural person detector on a person-sized crop and on a whole
/// 640×360 frame (RGB from a rendered scene), next to the classical pipeline's cost per frame.
public struct DetectorWorkload {
    private let detector: NeuralPersonDetector
    private let crop: (pixels: [UInt8], width: Int, height: Int)
    private let frame: (pixels: [UInt8], width: Int, height: Int)
    public let runtimeVersion: String

    /// `modelDirectory`: where scripts/fetch-model.sh put the model and runtime.
    public init(modelDirectory: String, threads: Int = 1) throws {
        detector = try NeuralPersonDetector(files: .init(directory: modelDirectory), threads: threads)
        runtimeVersion = detector.runtimeVersion
        var scene = SceneCatalog.walkers()
        scene.width = 640
        scene.height = 360
        let rendered = SceneRenderer(scene: scene).render(frame: 40)
        guard let whole = FrameCrop.rgb(rendered, rect: Rect(x: 0, y: 0, width: 1, height: 1), margin: 0),
            let part = FrameCrop.rgb(rendered, rect: Rect(x: 0.4, y: 0.3, width: 0.1, height: 0.45))
        else { throw NeuralDetectorError("could not cut the benchmark's images") }
        frame = (whole.pixels, whole.width, whole.height)
        crop = (part.pixels, part.width, part.height)
    }

    public var cropSize: String { "\(crop.width)x\(crop.height)" }

    /// One inference on the crop (what a confirmation costs); returns the number of detections.
    public func inferCrop() throws -> Int {
        try detector.detect(rgb: crop.pixels, width: crop.width, height: crop.height, minScore: 0.01).count
    }

    /// One inference on the whole frame.
    public func inferFrame() throws -> Int {
        try detector.detect(rgb: frame.pixels, width: frame.width, height: frame.height, minScore: 0.01).count
    }
}
