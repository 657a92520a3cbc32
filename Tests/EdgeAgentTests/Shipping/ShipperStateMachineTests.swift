@testable import EdgeAgent
import Shared
import Testing

/// The shipper's window, acks and backoff, without I/O: time is a number the test passes in.
@Suite struct ShipperStateMachineTests {
    static func cursor(_ n: Int) -> Spool.Cursor {
        Spool.Cursor(positions: Array(repeating: SpoolPosition(segment: 0, offset: n), count: Spool.lanes))
    }

    @Test func outOfOrderAcks_ackTheSpoolOnlyThroughTheFinishedPrefix() {
        var machine = ShipperStateMachine(firstSeq: 10)
        for n in 1...4 { _ = machine.open(events: [], end: Self.cursor(n), evictions: n == 1 ? 5 : 0) }
        #expect(!machine.hasRoomForNewBatch)
        let sent = (0..<4).compactMap { _ in machine.nextToSend(now: 0)?.seq }
        #expect(sent == [10, 11, 12, 13])
        #expect(machine.record(.acked, seq: 12, now: 1, random: 0.5).ackThrough == nil)
        #expect(machine.record(.acked, seq: 11, now: 1, random: 0.5).ackThrough == nil)
        let first = machine.record(.acked, seq: 10, now: 1, random: 0.5)
        #expect(first.ackThrough == Self.cursor(3) && first.reportedEvictions == 5)
        #expect(machine.window.map(\.batch.seq) == [13] && machine.hasRoomForNewBatch)
        #expect(machine.readCursor == Self.cursor(4))
    }

    @Test func retryableFailures_backOffWithJitterUpToTheCap_honourRetryAfter_andNeverGiveUp() {
        var settings = ShipperStateMachine.Settings()
        settings.backoffBase = .seconds(1)
        settings.backoffCap = .seconds(30)
        var machine = ShipperStateMachine(settings: settings, firstSeq: 1)
        _ = machine.open(events: [], end: Self.cursor(1), evictions: 0)
        var now = 0.0
        var delays: [Double] = []
        for _ in 0..<12 {
            let batch = machine.nextToSend(now: now)
            #expect(batch?.seq == 1)  // the same batch, same sequence, every time
            _ = machine.record(.retryable(retryAfterSeconds: nil), seq: 1, now: now, random: 0.999)
            #expect(machine.nextToSend(now: now) == nil)  // not during backoff
            delays.append(machine.notBefore - now)
            now = machine.notBefore
        }
        #expect(delays[0] < 1.0 && delays[1] > 1.9 && delays[2] > 3.9)
        #expect(delays.allSatisfy { $0 <= 30 } && delays.last! > 29)
        // Full jitter: a low draw waits little; Retry-After is a floor.
        _ = machine.nextToSend(now: now)
        _ = machine.record(.retryable(retryAfterSeconds: 7), seq: 1, now: now, random: 0.0)
        #expect(machine.notBefore - now == 7)
        now = machine.notBefore
        _ = machine.nextToSend(now: now)
        let acked = machine.record(.acked, seq: 1, now: now, random: 0)
        #expect(acked.ackThrough == Self.cursor(1) && machine.failures == 0)
        // An absurd Retry-After (a proxy's) is bounded: shipping resumes within ten minutes.
        _ = machine.open(events: [], end: Self.cursor(2), evictions: 0)
        _ = machine.nextToSend(now: now)
        _ = machine.record(.retryable(retryAfterSeconds: 999_999_999), seq: 2, now: now, random: 0.5)
        #expect(machine.notBefore - now <= 600)
    }

    /// An ack for one batch does not cancel the Retry-After another batch was given.
    @Test func anAckDoesNotCutAnotherBatchsRetryAfter() {
        var machine = ShipperStateMachine(firstSeq: 1)
        _ = machine.open(events: [], end: Self.cursor(1), evictions: 0)
        _ = machine.open(events: [], end: Self.cursor(2), evictions: 0)
        _ = machine.nextToSend(now: 0)
        _ = machine.nextToSend(now: 0)
        _ = machine.record(.retryable(retryAfterSeconds: 30), seq: 1, now: 0, random: 0)
        _ = machine.record(.acked, seq: 2, now: 1, random: 0)
        #expect(machine.nextToSend(now: 1) == nil)
        #expect(machine.nextToSend(now: 30)?.seq == 1)
    }

    @Test func permanentRefusals_deadLetterTheBatch_andDoNotBlockLaterOnes() {
        var machine = ShipperStateMachine(firstSeq: 1)
        _ = machine.open(events: [], end: Self.cursor(1), evictions: 7)
        _ = machine.open(events: [], end: Self.cursor(2), evictions: 0)
        _ = machine.nextToSend(now: 0)
        _ = machine.nextToSend(now: 0)
        #expect(machine.record(.acked, seq: 2, now: 0, random: 0).ackThrough == nil)
        let refused = machine.record(.permanent(status: 400), seq: 1, now: 0, random: 0)
        #expect(refused.deadLetter == 1 && refused.ackThrough == Self.cursor(2))
        // The refused batch's eviction report never reached the aggregator: not marked reported.
        #expect(refused.reportedEvictions == 0)
        #expect(machine.window.isEmpty && machine.nextSeq == 3)
    }

    @Test func snapshotEvictions_areReportedOnlyByAnAckedBatch() {
        var machine = ShipperStateMachine(firstSeq: 1)
        _ = machine.open(events: [], end: Self.cursor(1), evictions: 0, snapshotEvictions: 3)
        _ = machine.open(events: [], end: Self.cursor(2), evictions: 0, snapshotEvictions: 2)
        _ = machine.nextToSend(now: 0)
        _ = machine.nextToSend(now: 0)
        let refused = machine.record(.permanent(status: 400), seq: 1, now: 0, random: 0)
        #expect(refused.reportedSnapshotEvictions == 0, "a dead-lettered batch told the aggregator nothing")
        let acked = machine.record(.acked, seq: 2, now: 0, random: 0)
        #expect(acked.reportedSnapshotEvictions == 2 && acked.ackThrough == Self.cursor(2))
    }

    @Test func aRetriedBatchGoesBeforeNewerOnes() {
        var machine = ShipperStateMachine(firstSeq: 1)
        for n in 1...3 { _ = machine.open(events: [], end: Self.cursor(n), evictions: 0) }
        _ = machine.nextToSend(now: 0)
        _ = machine.record(.retryable(retryAfterSeconds: nil), seq: 1, now: 0, random: 0)
        #expect(machine.nextToSend(now: 0)?.seq == 1)
        #expect(machine.nextToSend(now: 0)?.seq == 2)
    }
}
