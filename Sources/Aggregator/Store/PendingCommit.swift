import Shared

/// What a commit to a recent tier of batches works out before it waits for the store (both
/// stores): the batch's event ids, whether they increase, and the record of the whole batch,
/// which the store replaces only when some events turn out to be stored already.
struct PendingCommit: Sendable {
    let batch: IngestedBatch
    let ids: [Int64]
    let increasing: Bool
    let whole: RecentBatch?

    /// Refuses (retryably) when `waiting` events already wait to be indexed and the cap is reached.
    init(_ batch: IngestedBatch, waiting: Int, cap: Int) throws(StoreError) {
        guard waiting < cap else { throw .unavailable("\(waiting) events wait to be indexed (the cap is \(cap)); retry later") }
        self.batch = batch
        ids = batch.events.map { Int64(bitPattern: $0.id) }
        increasing = zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 }
        whole = ids.isEmpty ? nil : try RecentBatch(batch, kept: increasing ? Array(ids.indices) : RecentBatch.ascendingFirstOccurrences(ids))
    }

    /// The record to store when the events `known` are stored already (nil: nothing is left).
    func record(known: Set<Int64>) throws(StoreError) -> RecentBatch? {
        guard !known.isEmpty else { return whole }
        let kept = RecentBatch.ascendingFirstOccurrences(ids, skipping: known)
        return kept.isEmpty ? nil : try RecentBatch(batch, kept: kept)
    }

    /// The batch's events stored by another batch, in its order (a repeat inside the batch of an
    /// id stored here is dropped, not listed: nothing else stored it).
    func alreadyStored(known: Set<Int64>) -> [UInt64] {
        known.isEmpty ? [] : ids.filter { known.contains($0) }.map { UInt64(bitPattern: $0) }
    }
}
