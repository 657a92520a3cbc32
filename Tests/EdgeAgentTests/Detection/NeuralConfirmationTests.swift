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
        if let sprite { draw(sprite, at: at, height: spriteHeight, into: &rgb) }
        return frame(index: index, rgb: rgb)
    }

    /// Paints `sprite` scaled to `height` rows with its top-left at `at` (clipped to the frame).
    static func draw(_ sprite: (pixels: [UInt8], width: Int, height: Int), at: (x: Int, y: Int), height spriteHeight: Int, into rgb: inout [UInt8]) {
        let scale = Double(sprite.height) / Double(spriteHeight)
        let spriteWidth = Int(Double(sprite.width) / scale)
        for y in 0..<spriteHeight where at.y + y >= 0 && at.y + y < height {
            for x in 0..<spriteWidth where at.x + x >= 0 && at.x + x < width {
                let sx = min(sprite.width - 1, Int(Double(x) * scale)), sy = min(sprite.height - 1, Int(Double(y) * scale))
                for c in 0..<3 { rgb[((at.y + y) * width + at.x + x) * 3 + c] = sprite.pixels[(sy * sprite.width + sx) * 3 + c] }
            }
        }
    }

    /// RGB → 4:2:0 YCbCr (BT.601, full range), the planes the capture path delivers; 5 fps.
    static func frame(index: Int, rgb: [UInt8]) -> Frame {
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
    /// detector at `inferencesPerSecond` (and the detector, to count its runs).
    static func pipeline(neural: Bool, inferencesPerSecond: Double = 4, mergeRegions: Bool = true) throws -> (pipeline: CameraPipeline, detector: NeuralPersonDetector?) {
        var configuration = CameraPipeline.Configuration()
        configuration.rules = CameraRules.wholeFrame
        guard neural else {
            return (CameraPipeline(cameraID: "cam-1", width: width, height: height, configuration: configuration, ids: EventIDAllocator()), nil)
        }
        let detector = try NeuralPersonDetectorTests.detector()
        let setup = NeuralSetup(detector: detector, budget: InferenceBudget(perSecond: inferencesPerSecond, cameras: ["cam-1"]), minScore: 0.5)
        var confirming = setup.objectDetector(camera: "cam-1", objects: configuration.objects, width: width, height: height, logger: Logger(label: "test"))
        if !mergeRegions { confirming.regions.maxAreaGrowth = 0 }
        let pipeline = CameraPipeline(cameraID: "cam-1", width: width, height: height, configuration: configuration, ids: EventIDAllocator(), detector: confirming)
        return (pipeline, detector)
    }

    /// Intrusion events started while `sprite` walks across the view at 5 fps.
    static func intrusions(sprite: (pixels: [UInt8], width: Int, height: Int), neural: Bool) throws -> [Event] {
        var pipeline = try pipeline(neural: neural).pipeline
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
            var pipeline = try Self.pipeline(neural: neural).pipeline
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
            return try Self.motScore(gt: gt, hyp: hyp)
        }
        let heuristic = try score(neural: false), neural = try score(neural: true)
        print("MOT people-and-shadow heuristic mota=\(heuristic.mota) idf1=\(heuristic.idf1) neural mota=\(neural.mota) idf1=\(neural.idf1)")
        #expect(neural.mota > heuristic.mota, "the detector removes the shadow's false positives")
        #expect(neural.idf1 > heuristic.idf1)
        #expect(neural.mota >= 0.5, "MOTA \(neural.mota)")
    }

    /// A sprite placed in a composed frame: its pixels scaled to `height` rows, top-left at (x, y).
    struct Placement {
        var sprite: (pixels: [UInt8], width: Int, height: Int)
        var x: Int
        var y: Int
        var height: Int
        var width: Int { Int(Double(sprite.width) * Double(height) / Double(sprite.height)) }
        var box: Rect {
            let x0 = max(0, x), x1 = min(NeuralConfirmationTests.width, x + width)
            return Rect(x: Double(x0), y: Double(y), width: Double(max(0, x1 - x0)), height: Double(height))
        }
    }

    /// A still street-like backdrop: smooth shading and texture, as a real view has (a flat grey
    /// one makes the motion detector's contrast stretch jump when people enter).
    static let textured: [UInt8] = {
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let v = 120 + 40 * sin(Double(x) / 23) * cos(Double(y) / 17) + 30 * Double(y) / Double(height) + Double((x * 7 + y * 13) % 11)
                for c in 0..<3 { rgb[(y * width + x) * 3 + c] = UInt8(clamping: Int(v) + c * 6) }
            }
        }
        return rgb
    }()

    /// Several sprites over the textured backdrop, later ones in front.
    static func frame(index: Int, placements: [Placement]) -> Frame {
        var rgb = textured
        for p in placements { draw(p.sprite, at: (p.x, p.y), height: p.height, into: &rgb) }
        return frame(index: index, rgb: rgb)
    }

    static func mirrored(_ s: (pixels: [UInt8], width: Int, height: Int)) -> (pixels: [UInt8], width: Int, height: Int) {
        var out = s.pixels
        for y in 0..<s.height { for x in 0..<s.width { for c in 0..<3 { out[(y * s.width + x) * 3 + c] = s.pixels[(y * s.width + s.width - 1 - x) * 3 + c] } } }
        return (out, s.width, s.height)
    }

    /// Tracking quality with several people: two cross each other in the upper lane (one passes in
    /// front of the other and hides them for a few frames), a smaller one walks slowly in the lower
    /// lane while a person-shaped shadow crosses it. Ground truth lists a person in a frame while at
    /// least half of them is visible. MOTA and IDF1 by py-motmetrics, size and shape alone versus
    /// the person detector at the default 4 inferences a second.
    @Test func severalPeopleWithOcclusion_trackingQuality_withAndWithoutTheDetector() throws {
        let person = try Self.personCutout()
        let other = Self.mirrored(person)
        let shadow = (pixels: [UInt8](repeating: 35, count: person.pixels.count), width: person.width, height: person.height)
        func placements(_ i: Int) -> [(id: Int?, placement: Placement)] {
            // They walk in from outside the view once the background is learnt.
            guard i >= 15 else { return [] }
            let t = i - 15
            return [
                (nil, Placement(sprite: shadow, x: 640 - 7 * t, y: 215, height: 120)),
                (3, Placement(sprite: person, x: -35 + 5 * t, y: 240, height: 100)),
                (1, Placement(sprite: person, x: -45 + 8 * t, y: 30, height: 120)),
                (2, Placement(sprite: other, x: 640 - 8 * t, y: 40, height: 130)),
            ]
        }
        func score(neural: Bool, inferencesPerSecond: Double = 4, merge: Bool = true) throws -> (mota: Double, idf1: Double, inferences: Int) {
            let (initial, detector) = try Self.pipeline(neural: neural, inferencesPerSecond: inferencesPerSecond, mergeRegions: merge)
            var pipeline = initial
            var events: [Event] = []
            var gt = "", hyp = ""
            for i in 0..<110 {
                let scene = placements(i)
                pipeline.process(Self.frame(index: i, placements: scene.map(\.placement)), into: &events)
                for (k, item) in scene.enumerated() {
                    guard let id = item.id else { continue }
                    let box = item.placement.box
                    guard box.width > 0 else { continue }
                    // Hidden by what is drawn in front of it?
                    let hidden = scene[(k + 1)...].filter { $0.id != nil }.map { front -> Double in
                        box.intersectionArea(front.placement.box) / box.area
                    }.max() ?? 0
                    guard hidden < 0.5, box.width >= Double(item.placement.width) / 2, box.x < Double(Self.width) else { continue }
                    let rect = Rect(x: box.x / Double(Self.width), y: box.y / Double(Self.height), width: box.width / Double(Self.width), height: box.height / Double(Self.height))
                    gt += MOTRow.line(frameIndex: i, id: UInt64(id), rect: rect, frameWidth: Self.width, frameHeight: Self.height, confidence: 1)
                }
                for track in pipeline.tracker.tracks where track.confirmed && track.misses == 0 && track.objectClass == .person {
                    hyp += MOTRow.line(frameIndex: i, id: track.id, rect: track.lastRect, frameWidth: Self.width, frameHeight: Self.height, confidence: track.confidence)
                }
            }
            let (mota, idf1) = try Self.motScore(gt: gt, hyp: hyp)
            return (mota, idf1, detector?.runCount ?? 0)
        }
        let heuristic = try score(neural: false), neural = try score(neural: true)
        print("MOT several-people-occlusion heuristic mota=\(heuristic.mota) idf1=\(heuristic.idf1) neural mota=\(neural.mota) idf1=\(neural.idf1) inferences=\(neural.inferences)")
        #expect(neural.mota > heuristic.mota, "the detector removes the shadow's false positives")
        #expect(neural.idf1 > heuristic.idf1)
        #expect(neural.mota >= 0.5, "MOTA \(neural.mota)")
        #expect(neural.idf1 >= 0.65, "IDF1 \(neural.idf1)")

    }

    /// Two people walking side by side: one inference on the region around both answers for
    /// both, so with merging the pair costs about half the inferences, and both are still
    /// confirmed (budget out of the way, to count what the regions need).
    @Test func peopleWalkingTogether_shareInferences() throws {
        let person = try Self.personCutout()
        let other = Self.mirrored(person)
        func run(merge: Bool) throws -> (inferences: Int, people: Int) {
            let (initial, detector) = try Self.pipeline(neural: true, inferencesPerSecond: 100, mergeRegions: merge)
            var pipeline = initial
            var events: [Event] = []
            var people = 0
            for i in 0..<60 {
                let t = i - 15
                let placements = i < 15 ? [] : [
                    Placement(sprite: person, x: -45 + 8 * t, y: 100, height: 120), Placement(sprite: other, x: -110 + 8 * t, y: 105, height: 124),
                ]
                pipeline.process(Self.frame(index: i, placements: placements), into: &events)
                if i == 50 { people = pipeline.tracker.tracks.filter { $0.confirmed && $0.objectClass == .person }.count }
            }
            return (detector?.runCount ?? 0, people)
        }
        let merged = try run(merge: true), separate = try run(merge: false)
        print("inference regions walking-together merged=\(merged.inferences) separate=\(separate.inferences) people merged=\(merged.people) separate=\(separate.people)")
        #expect(merged.people == 2 && separate.people == 2)
        #expect(Double(merged.inferences) <= 0.8 * Double(separate.inferences))
    }

    /// MOTA and IDF1 of `hyp` against `gt` (MOTChallenge CSV) by scripts/mot_score.py.
    static func motScore(gt: String, hyp: String) throws -> (mota: Double, idf1: Double) {
        let score = try MOTScore.score(groundTruth: gt, hypotheses: hyp)
        return (score.mota, score.idf1)
    }

    @Test func theBudget_sharesInferencesFairly_andRefillsWithTime() {
        let budget = InferenceBudget(perSecond: 4, cameras: ["a", "b"])  // 2 per second each, at most 2 banked
        #expect(budget.admit("a", nowMs: 0) && !budget.admit("a", nowMs: 0), "one token to start")
        #expect(budget.admit("b", nowMs: 0), "a busy camera does not take another's share")
        #expect(!budget.admit("a", nowMs: 400) && budget.admit("a", nowMs: 500))
        #expect(budget.admit("a", nowMs: 5_000) && budget.admit("a", nowMs: 5_000) && !budget.admit("a", nowMs: 5_000), "at most two banked")
    }
}
