/// Something that moves through a synthetic scene: a person, a vehicle, a bag.
struct SceneActor: Sendable {
    enum Shape: Sendable { case rectangle, ellipse }

    /// Ground-truth id (MOT scoring) and class.
    var id: Int
    var objectClass: ObjectClass
    var shape: Shape = .rectangle
    /// Normalised size.
    var width: Double
    var height: Double
    var luma: UInt8
    var cb: UInt8 = 128
    var cr: UInt8 = 128
    /// Keyframes (frame, centre x, centre y); linear in between, absent outside.
    var path: [(frame: Int, x: Double, y: Double)]
    /// Part of the scene's reference (present before the first frame, e.g. an object later removed).
    var isBackground = false

    func centre(at frame: Int) -> (x: Double, y: Double)? {
        guard let first = path.first, let last = path.last, frame >= first.frame, frame <= last.frame else { return nil }
        // The keyframe segment holding `frame` (a single keyframe holds only its own frame).
        guard let k = path.indices.dropFirst().first(where: { frame <= path[$0].frame }) else { return (first.x, first.y) }
        let a = path[k - 1], b = path[k]
        let t = b.frame == a.frame ? 0 : Double(frame - a.frame) / Double(b.frame - a.frame)
        return (a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t)
    }

    func rect(at frame: Int) -> Rect? {
        centre(at: frame).map { Rect(x: $0.x - width / 2, y: $0.y - height / 2, width: width, height: height) }
    }
}

/// Whole-frame effects, each active from a frame on (until `until`, if set).
enum SceneEffect: Sendable {
    /// Add `delta` to every pixel (lights on/off).
    case brightness(delta: Int, from: Int, until: Int?)
    /// Per-pixel random noise of ± `amplitude` every frame.
    case noise(amplitude: Int)
    /// A region whose texture sways (leaves in wind).
    case foliage(region: Rect, amplitude: Int, periodFrames: Double)
    /// Short bright streaks at random places every frame.
    case rain(streaksPerFrame: Int)
    /// The lens is covered: a near-uniform dark frame.
    case cover(from: Int)
    /// Box blur of the given radius (pixels).
    case defocus(radius: Int, from: Int)
    /// The camera turned: the view shifts by (dx, dy) pixels.
    case shift(dx: Int, dy: Int, from: Int)
    /// A staff gauge in `region` with the water at normalised y `levelY(frame)` inside the frame.
    case waterGauge(region: Rect, startY: Double, endY: Double, overFrames: Int)
    /// A grey plume growing from `origin` at `growth` (normalised radius per frame).
    case smoke(origin: Point, from: Int, growth: Double)
    /// A flickering flame in `region`.
    case fire(region: Rect, from: Int)
    /// Something in front of the scene that hides actors (a pillar).
    case occluder(region: Rect, luma: UInt8)
}
