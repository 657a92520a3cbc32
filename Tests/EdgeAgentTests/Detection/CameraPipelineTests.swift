@testable import EdgeAgent
import Shared
import Testing

@Suite struct CameraPipelineTests {
    func pipeline(rules: CameraRules = .wholeFrame) -> CameraPipeline {
        var configuration = CameraPipeline.Configuration()
        configuration.rules = rules
        return CameraPipeline(cameraID: "c", width: 320, height: 184, configuration: configuration, ids: EventIDAllocator())
    }

    @Test func frameOfAnotherSize_isDroppedAndCounted() {
        var p = pipeline()
        var events: [Event] = []
        p.process(Frame(width: 160, height: 96, luma: [UInt8](repeating: 9, count: 160 * 96), index: 0, captureTimeMs: 1), into: &events)
        #expect(p.statistics.mismatchedFrames == 1)
        #expect(p.statistics.frames == 0)
    }

    /// A wall clock stepped back an hour must not stall the interval-based checks: the lens is
    /// covered after the step and must still be reported.
    @Test func clockSteppedBackwards_doesNotStallTamperChecks() {
        var scene = SceneCatalog.scene(named: "covered")!
        scene.width = 320
        scene.height = 184
        let renderer = SceneRenderer(scene: scene)
        var p = pipeline()
        var events: [Event] = []
        for i in 0..<scene.frameCount {
            var frame = renderer.render(frame: i)
            if i >= 40 { frame.captureTimeMs -= 3_600_000 }
            p.process(frame, into: &events)
        }
        #expect(events.contains { $0.kind == .tamperCovered && $0.phase == .start })
    }
}
