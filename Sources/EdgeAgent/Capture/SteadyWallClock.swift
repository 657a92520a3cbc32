import Foundation

/// Capture timestamps for live sources: the wall clock read once, advanced by the monotonic
/// clock. Event time then never steps backwards when NTP corrects the system clock (every
/// interval, hold and dwell downstream assumes it does not); the offset a correction leaves
/// lasts until the source restarts its reader.
struct SteadyWallClock: Sendable {
    private let anchorMs: Int64
    private let anchor: ContinuousClock.Instant

    init(wallMs: Int64 = Int64(Date().timeIntervalSince1970 * 1000)) {
        anchorMs = wallMs
        anchor = .now
    }

    var nowMs: Int64 {
        let elapsed = ContinuousClock.now - anchor
        return anchorMs + elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    }
}
