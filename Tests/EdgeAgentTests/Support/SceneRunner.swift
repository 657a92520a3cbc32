@testable import EdgeAgent
import Shared

/// Runs a synthetic scene through a camera pipeline and keeps what came out.
struct SceneRun {
    let scene: SyntheticScene
    var events: [Event] = []
    var pipeline: CameraPipeline
    /// Confirmed track boxes per frame (MOT hypothesis).
    var trackBoxes: [(frame: Int, id: UInt64, rect: Rect)] = []

    init(_ name: String, configure: (inout CameraPipeline.Configuration) -> Void = { _ in }) {
        guard let scene = SceneCatalog.scene(named: name) else { fatalError("no scene \(name)") }
        self.init(scene: scene, configure: configure)
    }

    init(scene: SyntheticScene, configure: (inout CameraPipeline.Configuration) -> Void = { _ in }) {
        self.scene = scene
        var configuration = CameraPipeline.Configuration()
        configuration.rules = scene.rules
        configure(&configuration)
        pipeline = CameraPipeline(cameraID: "cam-test", width: scene.width, height: scene.height,
                                  configuration: configuration, ids: EventIDAllocator())
        let renderer = SceneRenderer(scene: scene)
        for i in 0..<scene.frameCount {
            pipeline.process(renderer.render(frame: i), into: &events)
            for track in pipeline.tracker.tracks where track.confirmed && track.misses == 0 {
                trackBoxes.append((i, track.id, track.lastRect))
            }
        }
        pipeline.finish(atMs: scene.timeMs(ofFrame: scene.frameCount), into: &events)
    }

    func starts(_ kind: EventKind) -> [Event] { events.filter { $0.kind == kind && $0.phase == .start } }

    /// Seconds from the scene's start to an event.
    func seconds(_ event: Event) -> Double { Double(event.captureTimeMs - scene.startTimeMs) / 1000 }

    var kindsStarted: Set<EventKind> { Set(events.filter { $0.phase == .start }.map(\.kind)) }
}
