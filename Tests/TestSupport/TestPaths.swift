import Foundation

public enum TestPaths {
    /// The package's root directory (this file is Tests/TestSupport/TestPaths.swift).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static var fixtures: URL { packageRoot.appendingPathComponent("Tests/SharedTests/Fixtures") }

    /// The person detector's cache (scripts/fetch-model.sh; scripts/test.sh sets `CITYWATCH_MODEL_DIR`):
    /// the model, ONNX Runtime and the test pictures and clips under `testdata/`.
    public static var modelDirectory: String {
        ProcessInfo.processInfo.environment["CITYWATCH_MODEL_DIR"] ?? packageRoot.appendingPathComponent(".build/models").path
    }

    /// A fresh temporary directory, removed by the caller with `cleanUp`.
    public static func temporaryDirectory(_ prefix: String = "citywatch-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
