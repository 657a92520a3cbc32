import Foundation
import Logging
import Metrics

/// Motion and shape propose, the neural detector decides: blobs the size-and-shape classifier
/// calls a person are confirmed by the person detector run on that motion region (with a margin),
/// within the camera's share of the agent's inference budget. A region the detector rejects — or
/// that no inference has looked at yet — is `unknown`, so it cannot raise person-based alarms
/// (intrusion, loitering, crowd by default) from shadows, headlights, rain or foliage. A verdict
/// follows the detection that overlaps it from frame to frame; it is refreshed after 1.5 s when the
/// budget allows (candidates never judged go first) and forgotten after 5 s. Frames the budget
/// left unjudged do not vote on the track's class.
struct NeuralConfirmingDetector: ObjectDetector {
    var heuristic: HeuristicObjectDetector
    let neural: NeuralPersonDetector
    let budget: InferenceBudget
    let cameraID: String
    var minScore = 0.5
    let logger: Logger

    struct Verdict {
        var rect: Rect
        var timeMs: Int64
        var score: Double?
    }

    private var verdicts: [Verdict] = []
    // Made once: a metric handle per inference would look the registry up on the frame path.
    private let skipped: Counter
    private let confirmed: Counter
    private let rejected: Counter
    private let inferences: Counter
    var regions = InferenceRegions()
    /// A verdict is looked at again after this, when the budget allows…
    static let refreshAfterMs: Int64 = 1_500
    /// …and forgotten after this.
    static let verdictLifetimeMs: Int64 = 5_000

    init(heuristic: HeuristicObjectDetector, neural: NeuralPersonDetector, budget: InferenceBudget, cameraID: String, minScore: Double = 0.5, logger: Logger) {
        self.heuristic = heuristic
        self.neural = neural
        self.budget = budget
        self.cameraID = cameraID
        self.minScore = minScore
        self.logger = logger
        skipped = Counter(label: "citywatch_agent_inferences_total", dimensions: [("camera", cameraID), ("result", "skipped")])
        confirmed = Counter(label: "citywatch_agent_inferences_total", dimensions: [("camera", cameraID), ("result", "person")])
        rejected = Counter(label: "citywatch_agent_inferences_total", dimensions: [("camera", cameraID), ("result", "none")])
        inferences = Counter(label: "citywatch_agent_inference_runs_total", dimensions: [("camera", cameraID)])
    }

    mutating func detect(blobs: [Blob], gridWidth: Int, gridHeight: Int, frame: Frame, into detections: inout [Detection]) {
        heuristic.detect(blobs: blobs, gridWidth: gridWidth, gridHeight: gridHeight, frame: frame, into: &detections)
        let now = frame.captureTimeMs
        verdicts.removeAll { now - $0.timeMs > Self.verdictLifetimeMs || $0.timeMs > now }
        // Candidates never judged come first; judged ones whose verdict is getting old are looked
        // at again when the budget allows.
        var unexamined: [Int] = [], stale: [Int] = []
        // One verdict per detection and one detection per verdict: each detection takes the
        // best-overlapping verdict no earlier detection took, so a verdict cannot slide onto a
        // shadow or a car walking past its object.
        var used = Set<Int>()
        for i in detections.indices where detections[i].objectClass == .person {
            let rect = detections[i].rect
            var best: (index: Int, iou: Double)?
            for (v, verdict) in verdicts.enumerated() where !used.contains(v) {
                let iou = verdict.rect.intersectionOverUnion(rect)
                if iou >= 0.3, iou > best?.iou ?? 0 { best = (v, iou) }
            }
            if let v = best?.index {
                used.insert(v)
                // The verdict follows the object from frame to frame, so it holds while they walk.
                verdicts[v].rect = rect
                Self.apply(verdicts[v].score, judged: true, to: &detections[i])
                if now - verdicts[v].timeMs > Self.refreshAfterMs { stale.append(i) }
            } else {
                Self.apply(nil, judged: false, to: &detections[i])
                unexamined.append(i)
            }
        }
        let pending = unexamined + stale
        guard !pending.isEmpty else { return }
        // Nearby candidates share one inference (InferenceRegions); each region costs one token.
        let candidates = pending.map { detections[$0].rect }
        // Regions come in the order of their first candidate, so the never-judged ones go first.
        for region in regions.regions(for: candidates, frameWidth: frame.width, frameHeight: frame.height) {
            let waiting = region.members.reduce(0) { $0 + ($1 < unexamined.count ? 1 : 0) }
            guard budget.admit(cameraID, nowMs: now) else {
                if waiting > 0 { skipped.increment(by: waiting) }
                continue
            }
            guard let found = infer(frame, region: region.rect, candidates: region.members.map { candidates[$0] }) else { continue }
            for (k, member) in region.members.enumerated() {
                let rect = candidates[member]
                verdicts.removeAll { $0.rect == rect }
                verdicts.append(Verdict(rect: rect, timeMs: now, score: found[k]))
                Self.apply(found[k], judged: true, to: &detections[pending[member]])
            }
        }
    }

    /// A confirmed candidate takes the detector's score; a rejected one is not a person as far as
    /// the alarms are concerned; an unexamined one is not either, and does not vote on its track's
    /// class (the frames the detector judged decide it).
    private static func apply(_ score: Double?, judged: Bool, to detection: inout Detection) {
        if let score {
            detection.objectClass = .person
            detection.confidence = score
            detection.votes = true
        } else {
            detection.objectClass = .unknown
            detection.confidence = 0.3
            detection.votes = judged
        }
    }

    /// Runs the detector on `region` (frame fractions); per candidate, the best score of a person
    /// of at least `minScore` that overlaps its motion box, or nil. Nil overall when it failed.
    private func infer(_ frame: Frame, region: Rect, candidates: [Rect]) -> [Double?]? {
        guard let crop = FrameCrop.rgb(frame, rect: region, margin: 0) else { return nil }
        do {
            let people = try neural.detect(rgb: crop.pixels, width: crop.width, height: crop.height, minScore: minScore).map { p in
                // Back to frame fractions.
                (box: Rect(
                    x: crop.rect.x + p.x * crop.rect.width, y: crop.rect.y + p.y * crop.rect.height,
                    width: p.width * crop.rect.width, height: p.height * crop.rect.height), score: p.score)
            }
            inferences.increment()
            return candidates.map { rect in
                // Is one of them the motion: overlapping it, covering its centre, or mostly inside
                // it (a motion box that also holds the person's shadow or a bag)?
                let c = rect.center
                let best = people.filter { p in
                    let covers = c.x >= p.box.x && c.x <= p.box.maxX && c.y >= p.box.y && c.y <= p.box.maxY
                    return covers || p.box.intersectionOverUnion(rect) >= 0.2 || p.box.intersectionArea(rect) >= 0.6 * p.box.area
                }.map(\.score).max()
                (best == nil ? rejected : confirmed).increment()
                return best
            }
        } catch {
            logger.warning("person detector failed on a frame", metadata: ["camera": "\(cameraID)", "error": "\(error)"])
            return nil
        }
    }
}
