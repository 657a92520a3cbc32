@testable import EdgeAgent
import Foundation
import Shared
import Testing
import TestSupport

/// Tracking quality scored with py-motmetrics against the scenes' ground truth (MOTA, IDF1).
/// The thresholds are the figures measured and stated in docs/DETECTION.md, minus a margin: a
/// regression guard. The dense crowd is the classical tracker's weak spot (people merge into one
/// blob while they pass each other); a neural detector is the planned fix.
@Suite struct TrackingQualityTests {
    func score(_ run: SceneRun) throws -> MOTScore {
        func row(_ frame: Int, _ id: Int, _ r: Rect) -> String {
            MOTRow.line(frameIndex: frame, id: UInt64(id), rect: r, frameWidth: run.scene.width, frameHeight: run.scene.height, confidence: 1)
        }
        var gt = ""
        for i in 0..<run.scene.frameCount {
            for truth in run.scene.truth(atFrame: i) { gt += row(i, truth.id, truth.rect) }
        }
        return try MOTScore.score(groundTruth: gt, hypotheses: run.trackBoxes.map { row($0.frame, Int($0.id), $0.rect) }.joined())
    }

    @Test(arguments: [("walkers", 0.6, 0.6), ("occlusion", 0.7, 0.8), ("crowd", 0.15, 0.5)])
    func tracking_meetsItsStatedQuality(scene: String, minMOTA: Double, minIDF1: Double) throws {
        let result = try score(SceneRun(scene))
        print("MOT scene=\(scene) mota=\(result.mota) idf1=\(result.idf1) switches=\(result.switches)")
        #expect(result.mota >= minMOTA, "\(scene): MOTA \(result.mota)")
        #expect(result.idf1 >= minIDF1, "\(scene): IDF1 \(result.idf1)")
    }

    @Test func occlusion_keepsOneIdentity() {
        let run = SceneRun("occlusion")
        #expect(Set(run.trackBoxes.map(\.id)).count == 1)
    }
}
