/// A deterministic scripted scene: background, actors on paths and effects over time, plus the
/// analytics rules a camera watching it would have. Tests know the truth of every frame.
struct SyntheticScene: Sendable {
    var name: String
    var width = 320
    var height = 180
    var fps = 5.0
    var frameCount: Int
    var actors: [SceneActor] = []
    var effects: [SceneEffect] = []
    var rules = CameraRules.wholeFrame
    var seed: UInt64 = 1
    /// Capture time of frame 0, ms since the epoch.
    var startTimeMs: Int64 = 1_790_000_000_000

    func timeMs(ofFrame i: Int) -> Int64 { startTimeMs + Int64((Double(i) * 1000 / fps).rounded()) }

    /// Ground truth of frame `i`: the actors in view (not behind an occluder), as (id, class, box).
    func truth(atFrame i: Int) -> [(id: Int, objectClass: ObjectClass, rect: Rect)] {
        let occluders = effects.compactMap { effect -> Rect? in
            if case .occluder(let region, _) = effect { return region }
            return nil
        }
        return actors.compactMap { actor in
            guard !actor.isBackground, let rect = actor.rect(at: i) else { return nil }
            let c = rect.center
            if occluders.contains(where: { c.x >= $0.x && c.x <= $0.maxX && c.y >= $0.y && c.y <= $0.maxY }) { return nil }
            let clipped = Rect(x: max(0, rect.x), y: max(0, rect.y), width: min(1, rect.maxX) - max(0, rect.x), height: min(1, rect.maxY) - max(0, rect.y))
            guard clipped.width > 0, clipped.height > 0 else { return nil }
            return (actor.id, actor.objectClass, clipped)
        }
    }
}
