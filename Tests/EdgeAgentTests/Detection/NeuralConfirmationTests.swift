@testable import EdgeAgent
import Foundation
import Logging
import Shared
import Testing
import TestSupport

/// The neural detector in the pipeline: a person walking through the view is confirmed and raises
/// its intrusion; a person-shaped dark patch moving the same way (a shadow) raises one with
/// size-and-shape classification alone and none once the detector must agree. Frames are composed
/// from a real photograph of a person, moved over a plain background, at the size a street camera
/// sees.
@Suite struct NeuralConfirmationTests {
    static let width = 640, height = 360

    /// The person cut from the darknet photograph (their box, found by the detector itself).
    static func personCutout() throws -> (pixels: [UInt8], width: Int, height: Int) {
        let photo = try NeuralPersonDetectorTests.picture("person")
        let detector = try NeuralPersonDetectorTests.detector()
        let person = try #require(try detector.detect(rgb: photo.rgb, width: photo.width, height: photo.height).first)
        let x0 = Int(person.x * Double(photo.width)), y0 = Int(person.y * Double(photo.height))
        let w = Int(person.width * Double(photo.width)), h = Int(person.height * Double(photo.height))
        var pixels = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h { for x in 0..<w { for c in 0..<3 { pixels[(y * w + x) * 3 + c] = photo.rgb[((y0 + y) * photo.width + x0 + x) * 3 + c] } } }
        return (pixels, w, h)
    }

    /// A frame: grey background, `sprite` (RGB, scaled to `spriteHeight` rows) with its top-left at `at`.
    static func frame(index: Int, sprite: (pixels: [UInt8], width: Int, height: Int)?, at: (x: Int, y: Int), spriteHeight: Int) -> Frame {
        var rgb = [UInt8](repeating: 110, count: width * height * 3)
        if let sprite {
            let scale = Double(sprite.height) / Double(spriteHeight)
            let spriteWidth = Int(Double(sprite.width) / scale)
            for y in 0..<spriteHeight {
                for x in 0..<spriteWidth where at.x + x >= 0 && at.x + x < width && at.y + y < height {
                    let sx = min(sprite.width - 1, Int(Double(x) * scale)), sy = min(sprite.height - 1, Int(Double(y) * scale))
                    for c in 0..<3 { rgb[((at.y + y) * width + at.x + x) * 3 + c] = sprite.pixels[(sy * sprite.width + sx) * 3 + c] }
                }
            }
        }
        // RGB → 4:2:0 YCbCr (BT.601, full range), the planes the capture path delivers.
        var luma = [UInt8](repeating: 0, count: width * height)
        var cb = [UInt8](repeating: 128, count: width * height / 4), cr = [UInt8](repeating: 128, count: width * height / 4)
        for y in 0..<height {
            for x in 0..<width {
                let o = (y * width + x) * 3
                let r = Double(rgb[o]), g = Double(rgb[o + 1]), b = Double(rgb[o + 2])
                luma[y * width + x] = UInt8(clamping: Int(0.299 * r + 0.587 * g + 0.114 * b))
                if x % 2 == 0, y % 2 == 0 {
                    let ci = (y / 2) * (width / 2) + x / 2
                    cb[ci] = UInt8(clamping: Int(128 - 0.168736 * r - 0.331264 * g + 0.5 * b))
                    cr[ci] = UInt8(clamping: Int(128 + 0.5 * r - 0.418688 * g - 0.081312 * b))
                }
            }
        }
        return Frame(width: width, height: height, luma: luma, chroma: ChromaPlanes(cb: cb, cr: cr), index: index, captureTimeMs: Int64(index) * 200)
    }

    /// A 640×360 pipeline with the whole-frame rules; with `neural`, people confirmed by the
    /// detector at 4 inferences a second.
    static func pipeline(neural: Bool) throws -> CameraPipeline {
        var configuration = CameraPipeline.Configuration()
        configuration.rules = CameraRules.wholeFrame
        var detector: (any ObjectDetector)? = nil
        if neural {
            let setup = NeuralSetup(
                detector: try NeuralPersonDetectorTests.detector(), budget: InferenceBudget(perSecond: 4, cameras: ["cam-1"]), minScore: 0.5)
            detector = setup.objectDetector(camera: "cam-1", objects: configuration.objects, width: width, height: height, logger: Logger(label: "test"))
        }
        return CameraPipeline(cameraID: "cam-1", width: width, height: height, configuration: configuration, ids: EventIDAllocator(), detector: detector)
    }

    /// Intrusion events started while `sprite` walks across the view at 5 fps.
    static func intrusions(sprite: (pixels: [UInt8], width: Int, height: Int), neural: Bool) throws -> [Event] {
        var pipeline = try pipeline(neural: neural)
        var events: [Event] = []
        for i in 0..<70 {
            // Ten empty frames to learn the background, then 12 s of walking.
            let f = frame(index: i, sprite: i < 10 ? nil : sprite, at: (x: 40 + (i - 10) * 7, y: 120), spriteHeight: 160)
            pipeline.process(f, into: &events)
        }
        pipeline.finish(atMs: 70 * 200, into: &events)
        return events.filter { $0.kind == .intrusion && $0.phase == .start }
    }

    @Test func aWalkingPerson_isConfirmed_andRaisesTheIntrusion() throws {
        let person = try Self.personCutout()
        let confirmed = try Self.intrusions(sprite: person, neural: true)
        #expect(confirmed.count >= 1, "the person raises an intrusion")
        #expect(confirmed.allSatisfy { $0.attributes["object_class"] == .string("person") }, "\(confirmed.map(\.attributes))")
    }

    @Test func aPersonShapedShadow_raisesNothing_onceTheDetectorMustAgree() throws {
        let person = try Self.personCutout()
        // A dark silhouette of the same size and shape: what motion and shape alone take for a person.
        let shadow = (pixels: [UInt8](repeating: 35, count: person.pixels.count), width: person.width, height: person.height)
        let heuristicAlone = try Self.intrusions(sprite: shadow, neural: false)
        #expect(!heuristicAlone.isEmpty, "size and shape alone call the shadow a person")
        let withDetector = try Self.intrusions(sprite: shadow, neural: true)
        #expect(withDetector.isEmpty, "\(withDetector.map(\.attributes))")
    }

    /// Person tracking quality, MOTA and IDF1 by py-motmetrics, on a clip with a person walking one
    /// way and a person-shaped shadow the other: the hypotheses are the tracks the pipeline calls
    /// `person`. Size and shape alone count the shadow as a person (false positives); the detector
    /// does not.
    @Test func personTrackingQuality_withAndWithoutTheDetector() throws {
        let person = try Self.personCutout()
        let shadow = (pixels: [UInt8](repeating: 35, count: person.pixels.count), width: person.width, height: person.height)
        let spriteHeight = 150, width = Self.width, height = Self.height
        let spriteWidth = Int(Double(person.width) / (Double(person.height) / Double(spriteHeight)))
        func composed(_ i: Int) -> (frame: Frame, truth: Rect?) {
            guard i >= 10 else { return (Self.frame(index: i, sprite: nil, at: (0, 0), spriteHeight: spriteHeight), nil) }
            let px = 30 + (i - 10) * 7, sx = width - 30 - spriteWidth - (i - 10) * 7
            var f = Self.frame(index: i, sprite: person, at: (px, 15), spriteHeight: spriteHeight)
            // The shadow in the lower lane, drawn over the same background.
            let lower = Self.frame(index: i, sprite: shadow, at: (sx, 195), spriteHeight: spriteHeight)
            for y in 180..<height { for x in 0..<width { f.luma[y * width + x] = lower.luma[y * width + x] } }
            if let c = lower.chroma, var fc = f.chroma {
                for y in 90..<(height / 2) { for x in 0..<(width / 2) { fc.cb[y * width / 2 + x] = c.cb[y * width / 2 + x]; fc.cr[y * width / 2 + x] = c.cr[y * width / 2 + x] } }
                f.chroma = fc
            }
            let truth = Rect(
                x: Double(px) / Double(width), y: 15 / Double(height), width: Double(min(spriteWidth, width - px)) / Double(width),
                height: Double(spriteHeight) / Double(height))
            return (f, px < width ? truth : nil)
        }
        func score(neural: Bool) throws -> (mota: Double, idf1: Double) {
            var pipeline = try Self.pipeline(neural: neural)
            var events: [Event] = []
            var gt = "", hyp = ""
            for i in 0..<70 {
                let (f, truth) = composed(i)
                pipeline.process(f, into: &events)
                if let truth { gt += MOTRow.line(frameIndex: i, id: 1, rect: truth, frameWidth: width, frameHeight: height, confidence: 1) }
                for track in pipeline.tracker.tracks where track.confirmed && track.misses == 0 && track.objectClass == .person {
                    hyp += MOTRow.line(frameIndex: i, id: track.id, rect: track.lastRect, frameWidth: width, frameHeight: height, confidence: track.confidence)
                }
            }
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mot-\(UUID())")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            try gt.write(to: dir.appendingPathComponent("gt.csv"), atomically: true, encoding: .utf8)
            try hyp.write(to: dir.appendingPathComponent("hyp.csv"), atomically: true, encoding: .utf8)
            let python = ProcessInfo.processInfo.environment["CITYWATCH_PYTHON"] ?? "python3"
            let result = try ProcessRunner.runTool("/usr/bin/env", [
                python, TestPaths.packageRoot.appendingPathComponent("scripts/mot_score.py").path,
                dir.appendingPathComponent("gt.csv").path, dir.appendingPathComponent("hyp.csv").path,
            ])
            try #require(result.status == 0, "mot_score.py: \(result.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
            return (object["mota"] as? Double ?? -99, object["idf1"] as? Double ?? 0)
        }
        let heuristic = try score(neural: false), neural = try score(neural: true)
        print("MOT people-and-shadow heuristic mota=\(heuristic.mota) idf1=\(heuristic.idf1) neural mota=\(neural.mota) idf1=\(neural.idf1)")
        #expect(neural.mota > heuristic.mota, "the detector removes the shadow's false positives")
        #expect(neural.idf1 > heuristic.idf1)
        #expect(neural.mota >= 0.5, "MOTA \(neural.mota)")
    }

    @Test func theBudget_sharesInferencesFairly_andRefillsWithTime() {
        let budget = InferenceBudget(perSecond: 4, cameras: ["a", "b"])  // 2 per second each, at most 2 banked
        #expect(budget.admit("a", nowMs: 0) && !budget.admit("a", nowMs: 0), "one token to start")
        #expect(budget.admit("b", nowMs: 0), "a busy camera does not take another's share")
        #expect(!budget.admit("a", nowMs: 400) && budget.admit("a", nowMs: 500))
        #expect(budget.admit("a", nowMs: 5_000) && budget.admit("a", nowMs: 5_000) && !budget.admit("a", nowMs: 5_000), "at most two banked")
    }
}
