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

    @Test func theCap_dropsTheOldestLiveStep_andCountsOnlyThose() {
        var pending = PendingSteps(capacity: 3)
        for i in 1...3 { pending.insert(Self.snapshot(UInt64(i)), key: i % 2 == 0 ? "even" : "odd", deadlineMs: Int64(i) * 10) }
        pending.markSatisfied(1)
        // Below the cap again: nothing is dropped.
        pending.insert(Self.snapshot(4), key: "even", deadlineMs: 40)
        #expect(pending.count == 3 && pending.dropped == 0)
        // At the cap: the oldest live step (2) goes, not the satisfied one before it.
        pending.insert(Self.snapshot(5), key: "odd", deadlineMs: 50)
        #expect(pending.count == 3 && pending.dropped == 1)
        var even: [UInt64] = [], odd: [UInt64] = []
        pending.forEach(under: "even") { _, entry in even.append(entry.snapshot.event.id); return true }
        pending.forEach(under: "odd") { _, entry in odd.append(entry.snapshot.event.id); return true }
        #expect(even == [4] && odd == [3, 5])
        #expect(pending.earliestDeadlineMs() == 30)
    }

    @Test func removedSteps_areNotSeen_underAnyKey_andKeysEmptyOut() {
        var pending = PendingSteps(capacity: 100)
        for i in 1...9 { pending.insert(Self.snapshot(UInt64(i)), key: ["a", "b", "c"][i % 3], deadlineMs: Int64(i)) }
        var ids: [String: [UInt64]] = [:]
        for key in ["a", "b", "c"] { pending.forEach(under: key) { id, _ in ids[key, default: []].append(id); return true } }
        #expect(ids == ["a": [3, 6, 9], "b": [1, 4, 7], "c": [2, 5, 8]])
        // A step in the middle, then every step under one key.
        pending.markSatisfied(5)
        for id in [1, 4, 7] as [UInt64] { pending.markSatisfied(id) }
        var seen: [String: [UInt64]] = [:]
        for key in ["a", "b", "c"] { pending.forEach(under: key) { id, _ in seen[key, default: []].append(id); return true } }
        #expect(seen == ["a": [3, 6, 9], "c": [2, 8]])
        #expect(pending.count == 5 && pending.earliestDeadlineMs() == 2)
        // Expiry goes in arrival order and stops at the first step not yet due.
        #expect(pending.expire(through: 7).map(\.deadlineMs) == [2, 3, 6])
        #expect(pending.count == 2 && pending.earliestDeadlineMs() == 8)
        // Ids given after removals still find their steps.
        pending.insert(Self.snapshot(10), key: "b", deadlineMs: 10)
        var b: [UInt64] = []
        pending.forEach(under: "b") { _, entry in b.append(entry.snapshot.event.id); return true }
        #expect(b == [10])
    }
}
