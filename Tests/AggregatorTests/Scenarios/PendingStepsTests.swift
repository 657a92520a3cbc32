@testable import Aggregator
import Foundation
import Shared
import Testing

/// Pending first steps: the earliest deadline skips satisfied steps and drops them on the way, so
/// asking again (the engine asks whenever its watermark passes a deadline) does not walk them again.
@Suite struct PendingStepsTests {
    static func snapshot(_ id: UInt64) -> InputSnapshot {
        ScenarioInput(agentID: "a", event: Event(id: id, cameraID: "cam", kind: .intrusion, captureTimeMs: Int64(id)), district: "d")
    }

    @Test func theEarliestDeadline_skipsAndDropsSatisfiedSteps() {
        var pending = PendingSteps(capacity: 10_000)
        for i in 1...1_000 { pending.insert(Self.snapshot(UInt64(i)), key: "cam", deadlineMs: Int64(i) * 10) }
        var ids: [UInt64] = []
        pending.forEach(under: "cam") { id, _ in ids.append(id); return true }
        for id in ids.prefix(999) { pending.markSatisfied(id) }
        #expect(pending.count == 1)
        #expect(pending.earliestDeadlineMs() == 10_000, "the one left: the last inserted")
        #expect(pending.queuedIDs == 1, "the satisfied ids in front of it are gone")
        #expect(pending.expire(through: 10_001).map(\.deadlineMs) == [10_000])
        #expect(pending.earliestDeadlineMs() == nil && pending.queuedIDs == 0)
    }
}
