import Foundation
import Shared
import Testing
import TestSupport

/// The person detector on real camera footage, through the real ffmpeg capture path and the
/// `edge-agent detect` process: Debian opencv-doc's sample clips, fetched and checked by
/// scripts/fetch-model.sh. `vtest.avi` is a street camera (768×576, 10 fps, 795 frames) with people
/// walking, crossing and passing each other; `tree.avi` is a tree in the wind with nobody in view.
@Suite struct RealFootageTests {
    static let models = TestPaths.modelDirectory

    /// The events `edge-agent detect` starts on `clip`.
    static func starts(_ clip: String, detector: String, size: (Int, Int)) throws -> [Event] {
        let result = try ProcessRunner.run("edge-agent", [
            "detect", "--source", models + "/testdata/" + clip, "--width", "\(size.0)", "--height", "\(size.1)", "--fps", "10",
            "--detector", detector, "--model-dir", models, "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        return try result.stdout.split(separator: "\n").map { try Event.fromJSONLine(String($0)) }.filter { $0.phase == .start }
    }

    /// Tracks whose intrusion started as `person`.
    static func personStarts(_ clip: String, detector: String, size: (Int, Int)) throws -> Set<UInt64> {
        Set(try starts(clip, detector: detector, size: size).filter { $0.attributes["object_class"] == .string("person") }.map(\.trackID))
    }

    /// People on a real street are confirmed; what the detector turns down is a subset of what size
    /// and shape called a person. Checked by eye (docs/MODELS.md): all 42 of the detector's person
    /// starts are people; 7 of the 15 it turned down are empty road ("ghosts" the motion model
    /// leaves where someone stood), the others are people under 40 px, cut by the frame edge, or
    /// behind a van.
    @Test func aRealStreet_peopleAreConfirmed_ghostsAreNot() throws {
        let heuristic = try Self.personStarts("vtest.avi", detector: "heuristic", size: (768, 576))
        let neural = try Self.personStarts("vtest.avi", detector: "neural", size: (768, 576))
        print("real-footage vtest person intrusions heuristic=\(heuristic.count) neural=\(neural.count) turned-down=\(heuristic.subtracting(neural).count)")
        #expect(neural.count >= 30, "people walk through this view all along")
        #expect(neural.isSubset(of: heuristic), "the detector only confirms what motion and shape proposed")
        #expect(heuristic.subtracting(neural).count >= 5, "the motion model's ghosts are turned down")
    }

    /// A tree swaying in the wind: no person alarm with the detector. What size and shape alone
    /// start there is printed by class (docs/MODELS.md quotes it: the foliage as `vehicle`).
    @Test func realFoliage_raisesNoPersonAlarm_withTheDetector() throws {
        let neural = try Self.personStarts("tree.avi", detector: "neural", size: (320, 240))
        #expect(neural.isEmpty, "\(neural)")
        let heuristic = try Self.starts("tree.avi", detector: "heuristic", size: (320, 240))
        var byClass: [String: Int] = [:]
        for event in heuristic { if case .string(let c)? = event.attributes["object_class"] { byClass[c, default: 0] += 1 } }
        print("real-footage tree heuristic starts by class: \(byClass.sorted { $0.key < $1.key })")
        // The clip does move enough to start events: the detector's silence is not an empty scene.
        #expect(!heuristic.isEmpty)
    }
}
