import Foundation

/// Tracking quality by scripts/mot_score.py (py-motmetrics, in the virtualenv scripts/test.sh
/// points `CITYWATCH_PYTHON` at): MOTA, IDF1 and identity switches of hypotheses against ground
/// truth, both in MOTChallenge CSV.
public struct MOTScore: Decodable, Sendable {
    public let mota: Double
    public let idf1: Double
    public let switches: Int

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Scores two CSV files.
    public static func score(groundTruthFile: String, hypothesesFile: String) throws -> MOTScore {
        let python = ProcessInfo.processInfo.environment["CITYWATCH_PYTHON"] ?? "python3"
        let result = try ProcessRunner.runTool(
            "/usr/bin/env", [python, TestPaths.packageRoot.appendingPathComponent("scripts/mot_score.py").path, groundTruthFile, hypothesesFile])
        guard result.status == 0 else { throw Failure(description: "mot_score.py failed (is motmetrics installed?): \(result.stderr)") }
        return try JSONDecoder().decode(MOTScore.self, from: Data(result.stdout.utf8))
    }

    /// Scores CSV text (written to a temporary directory first).
    public static func score(groundTruth: String, hypotheses: String) throws -> MOTScore {
        let dir = try TestPaths.temporaryDirectory("mot")
        defer { try? FileManager.default.removeItem(at: dir) }
        let gt = dir.appendingPathComponent("gt.csv").path, hyp = dir.appendingPathComponent("hyp.csv").path
        try groundTruth.write(toFile: gt, atomically: true, encoding: .utf8)
        try hypotheses.write(toFile: hyp, atomically: true, encoding: .utf8)
        return try score(groundTruthFile: gt, hypothesesFile: hyp)
    }
}
