@testable import EdgeAgent
import Testing

/// The snapshot lane's decisions, without I/O: events first, one backoff after failures.
@Suite struct SnapshotLaneTests {
    @Test func waitsWhileEventsAreUnsent() {
        let lane = SnapshotLane()
        #expect(!lane.mayUpload(now: 0, eventBacklogBytes: 1))
        #expect(lane.mayUpload(now: 0, eventBacklogBytes: 0))
    }

    @Test func backsOffAfterFailures_honoursRetryAfter_andResetsOnSuccess() {
        var lane = SnapshotLane()
        lane.record(.retryable(retryAfterSeconds: nil), now: 10, random: 0.999)
        #expect(!lane.mayUpload(now: 10.5, eventBacklogBytes: 0) && lane.mayUpload(now: 11, eventBacklogBytes: 0), "first failure: up to 1 s")
        lane.record(.retryable(retryAfterSeconds: nil), now: 11, random: 0.999)
        lane.record(.retryable(retryAfterSeconds: nil), now: 11, random: 0.999)
        #expect(!lane.mayUpload(now: 14.9, eventBacklogBytes: 0) && lane.mayUpload(now: 15, eventBacklogBytes: 0), "third: up to 4 s")
        lane.record(.retryable(retryAfterSeconds: 30), now: 20, random: 0)
        #expect(!lane.mayUpload(now: 49, eventBacklogBytes: 0) && lane.mayUpload(now: 50, eventBacklogBytes: 0), "Retry-After wins over a shorter backoff")
        for _ in 0..<40 { lane.record(.retryable(retryAfterSeconds: nil), now: 100, random: 0.999) }
        #expect(lane.mayUpload(now: 160, eventBacklogBytes: 0), "capped at 60 s")
        lane.record(.stored, now: 200, random: 0.5)
        #expect(lane.failures == 0 && lane.mayUpload(now: 200, eventBacklogBytes: 0))
    }

    @Test func statuses_mapToOutcomes() {
        #expect(SnapshotLane.outcome(status: 201, retryAfter: nil) == .stored)
        #expect(SnapshotLane.outcome(status: 200, retryAfter: nil) == .stored)
        for status in [400, 403, 413, 415] { #expect(SnapshotLane.outcome(status: status, retryAfter: nil) == .refused(status: status)) }
        for status in [401, 404, 429, 500, 503] { #expect(SnapshotLane.outcome(status: status, retryAfter: 2) == .retryable(retryAfterSeconds: 2)) }
    }

    @Test func theCamera_isTheNameUpToItsTimestamp() {
        #expect(SnapshotUploader.camera(of: "cam-1-01-1790000000000.png") == "cam-1-01")
        #expect(SnapshotUploader.camera(of: "gate-1.png") == "gate")
        #expect(SnapshotUploader.camera(of: "nodash.png") == nil)
        #expect(SnapshotUploader.camera(of: "cam-1.jpg") == nil)
    }
}
