import COnnxDetector
import Foundation
import Synchronization

/// A pretrained person detector (SSDLite-MobileNetV2, docs/MODELS.md) run by ONNX Runtime on the
/// CPU. The runtime library and the model come from scripts/fetch-model.sh (pinned, checksummed,
/// never in git); they are found at run time, so an install without them still runs the classical
/// detection and says so.
///
/// One session per detector; runs are serialised (the agent caps inferences per second anyway,
/// and one thread per run measured fastest on a busy 2-core box).
final class NeuralPersonDetector: Sendable {
    /// Where the detector's files are (config `detector.model_directory`, `$CITYWATCH_MODEL_DIR`).
    struct Files: Sendable, Hashable {
        var model: String
        var runtime: String

        init(model: String, runtime: String) {
            self.model = model
            self.runtime = runtime
        }

        /// The layout fetch-model.sh writes: `person-ssdlite.onnx` and `onnxruntime/lib/libonnxruntime.so`.
        init(directory: String) {
            model = directory + "/person-ssdlite.onnx"
            runtime = directory + "/onnxruntime/lib/libonnxruntime.so"
        }

        static let defaultDirectory = "/usr/local/share/citywatch/models"

        /// `$CITYWATCH_MODEL_DIR`, else the installed directory.
        static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Files {
            Files(directory: environment["CITYWATCH_MODEL_DIR"] ?? defaultDirectory)
        }
    }

    /// One person found: a box in fractions of the image (x, y from the top-left) and a score 0...1.
    struct Detection: Sendable, Hashable {
        var x: Double
        var y: Double
        var width: Double
        var height: Double
        var score: Double
    }

    let files: Files
    let runtimeVersion: String
    private let handle: Mutex<OpaquePointer>
    private let runs = Atomic<Int>(0)
    /// Inferences run so far (tests and benchmarks count what region merging saves).
    var runCount: Int { runs.load(ordering: .relaxed) }

    /// The model emits at most 100 boxes, best first.
    static let capacity = 100

    init(files: Files, threads: Int = 1) throws(NeuralDetectorError) {
        for (what, path) in [("model", files.model), ("ONNX Runtime library", files.runtime)] where !FileManager.default.fileExists(atPath: path) {
            throw NeuralDetectorError("no \(what) at \(path) (scripts/fetch-model.sh fetches it)")
        }
        var error = [CChar](repeating: 0, count: 512)
        guard let opened = cw_detector_open(files.runtime, files.model, Int32(max(1, threads)), &error, error.count) else {
            throw NeuralDetectorError(message: error)
        }
        self.files = files
        runtimeVersion = String(cString: cw_detector_runtime_version(opened))
        handle = Mutex(opened)
    }

    deinit {
        handle.withLock { cw_detector_close($0) }
    }

    /// People in an RGB image (3 bytes per pixel, rows packed), best first, at least `minScore`.
    func detect(rgb: [UInt8], width: Int, height: Int, minScore: Double = 0.5) throws(NeuralDetectorError) -> [Detection] {
        guard width > 0, height > 0, rgb.count == width * height * 3 else {
            throw NeuralDetectorError("an RGB image of \(width)x\(height) needs \(width * height * 3) bytes, not \(rgb.count)")
        }
        var boxes = [Float](repeating: 0, count: Self.capacity * 4)
        var scores = [Float](repeating: 0, count: Self.capacity)
        var error = [CChar](repeating: 0, count: 512)
        let count = handle.withLock { detector in
            rgb.withUnsafeBufferPointer { pixels in
                cw_detector_run(detector, pixels.baseAddress, Int64(width), Int64(height), &boxes, &scores, Int32(Self.capacity), &error, error.count)
            }
        }
        guard count >= 0 else { throw NeuralDetectorError(message: error) }
        runs.add(1, ordering: .relaxed)
        var found: [Detection] = []
        for i in 0..<Int(count) where Double(scores[i]) >= minScore {
            let (top, left, bottom, right) = (Double(boxes[4 * i]), Double(boxes[4 * i + 1]), Double(boxes[4 * i + 2]), Double(boxes[4 * i + 3]))
            found.append(Detection(x: left, y: top, width: max(0, right - left), height: max(0, bottom - top), score: Double(scores[i])))
        }
        return found
    }
}

struct NeuralDetectorError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }

    /// From the C side's NUL-terminated message buffer.
    init(message buffer: [CChar]) {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self.init(String(decoding: bytes, as: UTF8.self))
    }
}
