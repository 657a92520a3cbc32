import Shared

/// When the next snapshot may be uploaded: snapshots travel at a lower priority than events, so
/// only while the event spool has no backlog, one at a time, and with the shipper's backoff after
/// a failure (full jitter, capped; Retry-After honoured). A plain state machine, tested without I/O.
struct SnapshotLane {
    var backoffBase = 1.0
    var backoffCap = 60.0
    private(set) var failures = 0
    /// No upload starts before this instant (the driver's clock, seconds).
    private(set) var notBefore = 0.0

    enum Outcome: Equatable {
        /// Stored by the aggregator (or it had that name already).
        case stored
        /// Refused for good (400, 403, 413, 415): the file is set aside, the lane goes on.
        case refused(status: Int)
        /// Network error, 401, 404 (an aggregator without the route, until it is upgraded), 429,
        /// 503, 5xx: try again later.
        case retryable(retryAfterSeconds: Int?)
    }

    /// May an upload start at `now`, with `backlogBytes` of events not yet acked?
    func mayUpload(now: Double, eventBacklogBytes: Int) -> Bool {
        eventBacklogBytes == 0 && now >= notBefore
    }

    /// `random` in [0, 1) draws the jitter.
    mutating func record(_ outcome: Outcome, now: Double, random: Double) {
        switch outcome {
        case .stored, .refused:
            failures = 0
            notBefore = now
        case .retryable(let retryAfter):
            failures += 1
            var delay = Backoff.fullJitter(failures: failures, base: backoffBase, cap: backoffCap, random: random)
            if let retryAfter { delay = max(delay, min(Double(max(0, retryAfter)), 600)) }
            notBefore = now + delay
        }
    }

    /// The outcome of an HTTP status from `PUT /v1/snapshots/…`.
    static func outcome(status: Int, retryAfter: Int?) -> Outcome {
        switch status {
        case 200, 201: .stored
        case let refusal where PermanentRefusal.contains(refusal): .refused(status: status)
        default: .retryable(retryAfterSeconds: retryAfter)
        }
    }
}
