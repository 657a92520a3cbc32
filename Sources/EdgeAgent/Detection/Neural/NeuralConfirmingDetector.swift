import Foundation
import Logging
import Metrics

/// Motion and shape propose, the neural detector decides: blobs the size-and-shape classifier
/// calls a person are confirmed by the person detector run on that motion region (with a margin),
/// within the camera's share of the agent's inference budget. A region the detector rejects — or
/// that no inference has looked at yet — is `unknown`, so it cannot raise person-based alarms
/// (intrusion, loitering, crowd by default) from shadows, headlights, rain or foliage. A verdict
/// holds for 1.5 s for a detection that overlaps it, so a walking person needs a fresh inference
/// only a couple of times a second.
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
    static let verdictLifetimeMs: Int64 = 1_500

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
    }

    mutating func detect(blobs: [Blob], gridWidth: Int, gridHeight: Int, frame: Frame, into detections: inout [Detection]) {
        heuristic.detect(blobs: blobs, gridWidth: gridWidth, gridHeight: gridHeight, frame: frame, into: &detections)
        let now = frame.captureTimeMs
        verdicts.removeAll { now - $0.timeMs > Self.verdictLifetimeMs || $0.timeMs > now }
        for i in detections.indices where detections[i].objectClass == .person {
            let rect = detections[i].rect
            var verdict = verdicts.last { $0.rect.intersectionOverUnion(rect) >= 0.3 }
            if verdict == nil {
                if budget.admit(cameraID, nowMs: now) {
                    verdict = infer(frame, rect: rect, timeMs: now)
                    if let verdict { verdicts.append(verdict) }
                } else {
                    skipped.increment()
                }
            }
            if let score = verdict?.score {
                detections[i].confidence = score
            } else {
                // Rejected, or not looked at: not a person as far as the alarms are concerned.
                detections[i].objectClass = .unknown
                detections[i].confidence = 0.3
            }
        }
    }

    /// Runs the detector on the region; the verdict says whether a person of at least `minScore`
    /// overlaps the motion box.
    private func infer(_ frame: Frame, rect: Rect, timeMs: Int64) -> Verdict? {
        guard let crop = FrameCrop.rgb(frame, rect: rect) else { return nil }
        do {
            let people = try neural.detect(rgb: crop.pixels, width: crop.width, height: crop.height, minScore: minScore)
            // Back to frame fractions, then: does one of them cover the motion box?
            let best = people.compactMap { p -> Double? in
                let box = Rect(
                    x: crop.rect.x + p.x * crop.rect.width, y: crop.rect.y + p.y * crop.rect.height,
                    width: p.width * crop.rect.width, height: p.height * crop.rect.height)
                let c = rect.center
                let covers = c.x >= box.x && c.x <= box.x + box.width && c.y >= box.y && c.y <= box.y + box.height
                return box.intersectionOverUnion(rect) >= 0.2 || covers ? p.score : nil
            }.max()
            (best == nil ? rejected : confirmed).increment()
            return Verdict(rect: rect, timeMs: timeMs, score: best)
        } catch {
            logger.warning("person detector failed on a frame", metadata: ["camera": "\(cameraID)", "error": "\(error)"])
            return nil
        }
    }
}
