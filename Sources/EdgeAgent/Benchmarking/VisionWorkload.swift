import Shared

/// The `bench vision` workload, kept beside the code it measures so that the benchmark needs no
/// access to internals: the "walkers" scene at a given size with every analytic switched on.
public struct VisionWorkload {
    public let width: Int
    public let height: Int
    private let frames: [Frame]
    private let configuration: CameraPipeline.Configuration

    public init(width: Int, height: Int) {
        var scene = SceneCatalog.walkers()
        scene.width = width
        scene.height = height
        var rules = scene.rules
        rules.zones[0].loitering = DwellRule(seconds: 30)
        rules.zones[0].crowd = CrowdRule(minCount: 10)
        rules.gauges = [WaterGaugeRule(
            name: "g", region: Rect(x: 0.9, y: 0.1, width: 0.05, height: 0.8), y1: 0.9, cm1: 0, y2: 0.1, cm2: 400, thresholdCm: 300)]
        rules.smokeFire = SmokeFireRules(smoke: true, fire: true)
        var configuration = CameraPipeline.Configuration()
        configuration.rules = rules
        self.configuration = configuration
        self.width = width
        self.height = height
        let renderer = SceneRenderer(scene: scene)
        frames = (0..<scene.frameCount).map { renderer.render(frame: $0) }
    }

    public var frameCount: Int { frames.count }

    /// Copies every frame's luma plane once (the memory floor any pipeline pays); returns a value
    /// that depends on the copies so the work cannot be optimised away.
    public func copyFrames() -> Int {
        var sink = 0
        for frame in frames {
            let copy = [UInt8](unsafeUninitializedCapacity: frame.luma.count) { buffer, count in
                frame.luma.withUnsafeBufferPointer { buffer.baseAddress!.update(from: $0.baseAddress!, count: $0.count) }
                count = frame.luma.count
            }
            sink &+= Int(copy[copy.count / 2])
        }
        return sink
    }

    /// Runs the full pipeline over every frame; returns the number of events.
    public func runPipeline() -> Int {
        var pipeline = CameraPipeline(cameraID: "bench", width: width, height: height, configuration: configuration, ids: EventIDAllocator())
        var events: [Event] = []
        var total = 0
        for frame in frames {
            events.removeAll(keepingCapacity: true)
            pipeline.process(frame, into: &events)
            total += events.count
        }
        return total
    }
}
