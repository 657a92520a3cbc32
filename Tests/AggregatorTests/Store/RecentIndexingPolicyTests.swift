@testable import Aggregator
import Testing

/// When the indexer moves rows out of the recent tier: in lulls, or under load once the backlog
/// is large or old; never while there is nothing to move.
@Suite struct RecentIndexingPolicyTests {
    let policy = RecentIndexingPolicy()

    func backlog(_ events: Int, oldest: Int64? = 9_000, last: Int64? = 9_990, inFlight: Int = 0) -> RecentBacklog {
        RecentBacklog(events: events, oldestReceivedMs: events > 0 ? oldest : nil, lastCommitMs: last, commitsInFlight: inFlight)
    }

    @Test func nothingToMove_waitsAPoll() {
        #expect(policy.decide(backlog(0), nowMs: 10_000) == .wait(milliseconds: policy.pollMs))
    }

    @Test func whileCommitsCome_aSmallYoungBacklogWaits() {
        // A commit 10 ms ago: wait until the lull would begin.
        #expect(policy.decide(backlog(1_000), nowMs: 10_000) == .wait(milliseconds: 100))
        #expect(policy.decide(backlog(1_000, last: 9_950), nowMs: 10_000) == .wait(milliseconds: 100))
        #expect(policy.decide(backlog(1_000, last: 9_850), nowMs: 10_000) == .wait(milliseconds: 50))
        // A commit in flight is not a lull, however long ago the last one finished.
        #expect(policy.decide(backlog(1_000, last: 1_000, inFlight: 3), nowMs: 10_000) == .wait(milliseconds: 100))
    }

    @Test func aLull_movesInLargerSteps() {
        #expect(policy.lullStep > policy.step)
        #expect(policy.decide(backlog(1_000, last: 9_800), nowMs: 10_000) == .move(maxEvents: policy.lullStep))
        // Nothing committed since start (rows left by the previous run).
        #expect(policy.decide(backlog(1_000, last: nil), nowMs: 10_000) == .move(maxEvents: policy.lullStep))
    }

    @Test func underLoad_aLargeOrOldBacklogMovesAnyway() {
        #expect(policy.decide(backlog(policy.highWater, inFlight: 8), nowMs: 10_000) == .move(maxEvents: policy.step))
        #expect(policy.decide(backlog(policy.highWater - 1, inFlight: 8), nowMs: 10_000) == .wait(milliseconds: 100))
        #expect(policy.decide(backlog(10, oldest: 0, inFlight: 8), nowMs: policy.maxLagMs) == .move(maxEvents: policy.step))
        #expect(policy.decide(backlog(10, oldest: 1, inFlight: 8), nowMs: policy.maxLagMs) == .wait(milliseconds: 100))
    }
}
