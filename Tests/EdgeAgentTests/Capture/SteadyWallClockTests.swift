@testable import EdgeAgent
import Testing

@Suite struct SteadyWallClockTests {
    /// Starts at the wall time it was given and only moves forward, with the monotonic clock.
    @Test func startsAtItsAnchor_andNeverStepsBack() async throws {
        let clock = SteadyWallClock(wallMs: 1_000_000)
        let first = clock.nowMs
        #expect(first >= 1_000_000 && first < 1_001_000)
        try await Task.sleep(for: .milliseconds(30))
        var previous = clock.nowMs
        #expect(previous >= first + 30)
        for _ in 0..<1_000 {
            let next = clock.nowMs
            #expect(next >= previous)
            previous = next
        }
    }
}
