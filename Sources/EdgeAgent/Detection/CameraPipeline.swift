import Shared

/// One camera's detection, frame by frame: motion → blobs → object detector → tracker →
/// analytics → event lifecycles. A plain value owned by the camera's task; nothing in
/// `process` reads a clock (event time is capture time) or allocates per frame beyond the
/// events it emits.
struct CameraPipeline {
    struct Configuration: Sendable {
        var motion = MotionDetector.Configuration()
        var blobs = BlobExtractor.Configuration()
        var objects = HeuristicObjectDetector.Configuration()
        var tracker = Tracker.Configuration()
        var events = EventLifecycles.Configuration()
        var rules = CameraRules.wholeFrame
    }

    /// Counters for summaries and metrics.
    struct Statistics: Sendable {
        var frames = 0
        var globalChanges = 0
        var confirmedTracks = 0
        var eventsByKind: [String: Int] = [:]
        /// Frames whose size differed from the camera's detect size (dropped).
        var mismatchedFrames = 0
    }

    let cameraID: String
    let configuration: Configuration
    let width: Int
    let height: Int
    private(set) var motion: MotionDetector
    private var blobs: BlobExtractor
    private var detector: any ObjectDetector
    private(set) var tracker: Tracker
    private var trackAnalytics: TrackAnalytics
    private var tamper: TamperAnalytics
    private var water: WaterLevelAnalytics
    private var smokeFire: SmokeFireAnalytics
    private var lifecycles: EventLifecycles
    private var zoneCells: [[Int]]
    private var detections: [Detection] = []
    private(set) var statistics = Statistics()

    init(cameraID: String, width: Int, height: Int, configuration: Configuration, ids: EventIDAllocator,
         detector: (any ObjectDetector)? = nil) {
        self.cameraID = cameraID
        self.configuration = configuration
        self.width = width
        self.height = height
        motion = MotionDetector(width: width, height: height, configuration: configuration.motion)
        blobs = BlobExtractor(width: motion.gridWidth, height: motion.gridHeight, configuration: configuration.blobs)
        var objects = configuration.objects
        objects.frameAspect = Double(width) / Double(max(height, 1))
        self.detector = detector ?? HeuristicObjectDetector(configuration: objects)
        tracker = Tracker(configuration: configuration.tracker)
        trackAnalytics = TrackAnalytics(rules: configuration.rules)
        tamper = TamperAnalytics(rules: configuration.rules.tamper)
        water = WaterLevelAnalytics(gauges: configuration.rules.gauges)
        smokeFire = SmokeFireAnalytics(rules: configuration.rules.smokeFire, width: width, height: height)
        lifecycles = EventLifecycles(cameraID: cameraID, ids: ids, configuration: configuration.events)
        let gw = motion.gridWidth, gh = motion.gridHeight
        zoneCells = configuration.rules.zones.map { zone in
            guard zone.motion != nil else { return [] }
            var cells: [Int] = []
            for y in 0..<gh {
                for x in 0..<gw where zone.polygon.contains(Point(x: (Double(x) + 0.5) / Double(gw), y: (Double(y) + 0.5) / Double(gh))) {
                    cells.append(y * gw + x)
                }
            }
            return cells
        }
        detections.reserveCapacity(64)
    }

    mutating func process(_ frame: Frame, into events: inout [Event]) {
        // Every stage indexes planes by the detect size: a frame of another size (or chroma
        // planes of another size) is dropped.
        let chromaSize = (width / 2) * (height / 2)
        guard frame.width == width, frame.height == height, frame.luma.count == width * height,
              frame.chroma.map({ $0.cb.count == chromaSize && $0.cr.count == chromaSize }) ?? true else {
            statistics.mismatchedFrames += 1
            return
        }
        let before = events.count
        statistics.frames += 1
        let globalChange = motion.process(luma: frame.luma)
        if globalChange { statistics.globalChanges += 1 }
        let found = blobs.extract(mask: motion.mask)
        detector.detect(blobs: found, gridWidth: motion.gridWidth, gridHeight: motion.gridHeight, frame: frame, into: &detections)
        tracker.update(detections, timeMs: frame.captureTimeMs)
        let snapshot = motion
        trackAnalytics.process(
            tracks: tracker.tracks, removed: tracker.removed, timeMs: frame.captureTimeMs,
            staticEvidence: { snapshot.outlineEvidence($0) }, lifecycles: &lifecycles, into: &events)
        for (z, zone) in configuration.rules.zones.enumerated() {
            guard let rule = zone.motion else { continue }
            let share = motion.motionShare(of: zoneCells[z])
            lifecycles.observe(
                LifecycleKey(kind: .motion, zone: zone.name), active: share >= rule.minShare,
                draft: EventDraft(kind: .motion, zone: zone.name, confidence: 0.5, attributes: ["area_ratio": .double((share * 1000).rounded() / 1000)]),
                timeMs: frame.captureTimeMs, into: &events)
        }
        tamper.process(frame, lifecycles: &lifecycles, into: &events)
        water.process(frame, lifecycles: &lifecycles, into: &events)
        smokeFire.process(frame, lifecycles: &lifecycles, into: &events)
        statistics.confirmedTracks = tracker.confirmedCount
        count(events[before...])
    }

    /// Video stopped (stall, decoder exit): one `video_loss` lifecycle until it returns.
    mutating func videoLost(reason: String, restarts: Int, atMs: Int64, into events: inout [Event]) {
        let before = events.count
        lifecycles.observe(
            LifecycleKey(kind: .videoLoss), active: true,
            draft: EventDraft(kind: .videoLoss, attributes: ["reason": .string(reason), "restarts": .int(Int64(restarts))]),
            timeMs: atMs, into: &events)
        count(events[before...])
    }

    mutating func videoRestored(atMs: Int64, into events: inout [Event]) {
        let before = events.count
        lifecycles.observe(LifecycleKey(kind: .videoLoss), active: false, draft: EventDraft(kind: .videoLoss), timeMs: atMs, into: &events)
        count(events[before...])
    }

    /// Ends every open lifecycle (end of a file, shutdown).
    mutating func finish(atMs: Int64, into events: inout [Event]) {
        let before = events.count
        lifecycles.endAll(where: { _ in true }, timeMs: atMs, into: &events)
        count(events[before...])
    }

    private mutating func count(_ new: ArraySlice<Event>) {
        for event in new where event.phase == .start { statistics.eventsByKind[event.kind.rawValue, default: 0] += 1 }
    }
}
