/// Classifies blobs by size and shape, calibrated per camera (config `objects`).
///
/// Honest about its limits: it cannot tell a person from a person-shaped shadow; the tracker's
/// consistency checks and, later, a neural detector on the motion region cut those false alarms.
struct HeuristicObjectDetector: ObjectDetector {
    struct Configuration: Sendable, Hashable {
        /// Person height range, share of frame height (config `objects.person_height`, default 0.04–0.8).
        var personHeight: ClosedRange<Double> = 0.04...0.8
        /// Person height/width in pixels (default 1.2–5).
        var personAspect: ClosedRange<Double> = 1.2...5.0
        /// Vehicle width/height in pixels (default 1.05–4) and minimum area share (default 0.008).
        var vehicleAspect: ClosedRange<Double> = 1.05...4.0
        var vehicleMinArea = 0.008
        /// Largest area share of a static "object" (bag, box) (default 0.012).
        var objectMaxArea = 0.012
        /// Frame aspect width/height, to turn normalised boxes into pixel shapes.
        var frameAspect = 16.0 / 9.0
    }

    var configuration: Configuration

    init(configuration: Configuration = Configuration()) { self.configuration = configuration }

    func classify(_ rect: Rect, fill: Double) -> (ObjectClass, Double) {
        let c = configuration
        let pixelAspect = rect.height / max(rect.width * c.frameAspect, 1e-9)  // height / width in pixels
        let fillScore = min(1, max(0, (fill - 0.2) / 0.6))
        if c.personHeight.contains(rect.height), c.personAspect.contains(pixelAspect) {
            return (.person, 0.5 + 0.3 * fillScore)
        }
        if rect.area >= c.vehicleMinArea, c.vehicleAspect.contains(1 / pixelAspect) {
            return (.vehicle, 0.5 + 0.3 * fillScore)
        }
        if rect.area <= c.objectMaxArea {
            return (.object, 0.4 + 0.2 * fillScore)
        }
        return (.unknown, 0.3)
    }

    mutating func detect(blobs: [Blob], gridWidth: Int, gridHeight: Int, frame: Frame, into detections: inout [Detection]) {
        detections.removeAll(keepingCapacity: true)
        for blob in blobs {
            let rect = blob.rect(gridWidth: gridWidth, gridHeight: gridHeight)
            let (objectClass, confidence) = classify(rect, fill: blob.fill)
            detections.append(Detection(rect: rect, objectClass: objectClass, confidence: confidence))
        }
    }
}
