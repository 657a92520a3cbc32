/// Thins frames to at most `cap` per second of capture time (the `set_fps` command); without a
/// cap every frame passes. The capture rate itself is the camera's `detect.fps`: a cap above it
/// analyses every frame.
struct FrameGate: Sendable {
    private var nextDueMs: Int64 = .min

    mutating func admit(_ captureTimeMs: Int64, cap: Double?) -> Bool {
        guard let cap, cap > 0 else { return true }
        guard captureTimeMs >= nextDueMs else { return false }
        nextDueMs = captureTimeMs + Int64(1000 / cap)
        return true
    }
}
