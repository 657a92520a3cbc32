import Shared

/// The shipper's decisions, without I/O or clocks of its own: which batches are in flight, when
/// the next attempt may start, what the spool may consider delivered. The driver
/// (`Shipper`) performs the sends and feeds outcomes back with the time they happened.
///
/// - Up to `maxInFlight` batches are outstanding at once (to hide 5G round trips); each keeps its
///   `batch_seq` and content across retries, so a resend is a duplicate the aggregator recognises.
/// - Acks may arrive out of order; the spool is acked only through the longest prefix of
///   finished batches, so a crash never skips an unacked batch.
/// - Retryable failures (network, 429, 503, 5xx) back off exponentially with full jitter, capped,
///   and never give up; `Retry-After` is a floor. Permanent refusals (400, 413, 415, 403) finish the
///   batch as dead-lettered: it leaves the spool (kept in the dead-letter area by the driver) so
///   that it cannot block every later event.
struct ShipperStateMachine {
    struct Settings: Sendable {
        var maxInFlight = 4
        var backoffBase: Duration = .milliseconds(500)
        var backoffCap: Duration = .seconds(60)
    }

    struct Batch: Sendable {
        let seq: UInt64
        let events: [Event]
        /// The spool position after this batch's events.
        let end: Spool.Cursor
        /// Evicted events this batch reports.
        let evictions: UInt64
        /// Evicted snapshots this batch reports.
        var snapshotEvictions: UInt64 = 0
    }

    enum Outcome: Sendable, Equatable {
        case acked
        /// A network error or 429/5xx; `retryAfterSeconds` from the response when it had one.
        case retryable(retryAfterSeconds: Int?)
        /// 400/403/413/415: this batch can never be accepted.
        case permanent(status: Int)
    }

    /// What the driver should do after an outcome.
    struct Effects: Equatable {
        /// Ack the spool through this cursor, and mark these evictions reported.
        var ackThrough: Spool.Cursor?
        var reportedEvictions: UInt64 = 0
        var reportedSnapshotEvictions: UInt64 = 0
        /// Move this batch to the dead-letter area.
        var deadLetter: UInt64?
    }

    let settings: Settings
    private(set) var nextSeq: UInt64
    enum Finish { case open, acked, deadLettered }

    /// Outstanding batches in sequence order, with how each finished (if it did).
    private(set) var window: [(batch: Batch, finish: Finish)] = []
    /// Batches waiting to be (re)sent.
    private(set) var ready: [UInt64] = []
    /// Consecutive retryable failures (resets on an ack).
    private(set) var failures = 0
    /// No attempt starts before this instant (backoff), in the driver's clock's seconds.
    private(set) var notBefore: Double = 0

    init(settings: Settings = Settings(), firstSeq: UInt64) {
        self.settings = settings
        nextSeq = firstSeq
    }

    /// The cursor reads continue from: after the newest batch in the window.
    var readCursor: Spool.Cursor? { window.last?.batch.end }

    var hasRoomForNewBatch: Bool { window.count < settings.maxInFlight }

    /// Takes a new batch of `events` ending at `end` into the window; returns its sequence.
    mutating func open(events: [Event], end: Spool.Cursor, evictions: UInt64, snapshotEvictions: UInt64 = 0) -> Batch {
        let batch = Batch(seq: nextSeq, events: events, end: end, evictions: evictions, snapshotEvictions: snapshotEvictions)
        nextSeq += 1
        window.append((batch, .open))
        ready.append(batch.seq)
        return batch
    }

    /// The next batch to send at `now`, if any may go (not during backoff).
    mutating func nextToSend(now: Double) -> Batch? {
        guard now >= notBefore, !ready.isEmpty else { return nil }
        let seq = ready.removeFirst()
        return window.first { $0.batch.seq == seq }?.batch
    }

    /// Records what happened to batch `seq`. `random` in [0, 1) draws the jitter.
    mutating func record(_ outcome: Outcome, seq: UInt64, now: Double, random: Double) -> Effects {
        guard let index = window.firstIndex(where: { $0.batch.seq == seq }) else { return Effects() }
        var effects = Effects()
        switch outcome {
        case .acked:
            // The link works again; a backoff already set (a Retry-After for another batch) stands.
            window[index].finish = .acked
            failures = 0
        case .permanent:
            window[index].finish = .deadLettered
            effects.deadLetter = seq
        case .retryable(let retryAfter):
            failures += 1
            var delay = Backoff.fullJitter(failures: failures, base: settings.backoffBase.seconds, cap: settings.backoffCap.seconds, random: random)
            // Retry-After is a floor, but a bounded one (a proxy's absurd value must not stop shipping).
            if let retryAfter { delay = max(delay, min(Double(max(0, retryAfter)), max(settings.backoffCap.seconds, 600))) }
            notBefore = max(notBefore, now + delay)
            ready.insert(seq, at: ready.firstIndex { $0 > seq } ?? ready.endIndex)
            return effects
        }
        // Slide the window over the finished prefix.
        var through: Spool.Cursor?
        while let first = window.first, first.finish != .open {
            through = first.batch.end
            // Only an acked batch told the aggregator its evictions; a dead-lettered one's are
            // carried by a later batch (they stay unreported in the spool).
            if first.finish == .acked {
                effects.reportedEvictions += first.batch.evictions
                effects.reportedSnapshotEvictions += first.batch.snapshotEvictions
            }
            window.removeFirst()
        }
        effects.ackThrough = through
        return effects
    }
}
