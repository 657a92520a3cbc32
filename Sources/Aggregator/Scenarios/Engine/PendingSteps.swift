import DequeModule

/// First steps of a sequence or absence rule waiting for their second step, indexed by the key
/// the rule's correlation looks them up under (camera, district, reach ...). A second step looks
/// only at the keys it can relate to, never at every pending entry (except `within_distance`,
/// which scans the rule's bounded list).
///
/// Ids are handed out in arrival order, so the entries live in a deque of slots where id
/// `firstID + i` is slot `i` (nil once removed): finding an entry by id is an index, not a hash
/// probe. A second step scans the ids under its key and looked each one up in a dictionary
/// before, which was most of a sequence rule's cost in a `perf` profile of `bench scenarios`.
struct PendingSteps {
    struct Entry {
        var snapshot: InputSnapshot
        var key: String
        var deadlineMs: Int64
        /// Absence: the expected input came.
        var satisfied = false
    }

    /// Slot `i` holds id `firstID + i`; nil: satisfied, expired or dropped.
    private var slots: Deque<Entry?> = []
    private var firstID: UInt64 = 1
    private var live = 0
    private var index: [String: Deque<UInt64>] = [:]
    let capacity: Int
    private(set) var dropped = 0

    init(capacity: Int) { self.capacity = capacity }

    var count: Int { live }
    /// Ids still queued in arrival order, satisfied ones not yet dropped included (tests).
    var queuedIDs: Int { slots.count }

    /// The slot of `id`, if it is still in the deque (its entry may be removed: nil there).
    private func slot(of id: UInt64) -> Int? {
        guard id >= firstID, id - firstID < UInt64(slots.count) else { return nil }
        return Int(id - firstID)
    }

    private func isLive(_ id: UInt64) -> Bool { slot(of: id).map { slots[$0] != nil } ?? false }

    /// Drops removed slots from the front.
    private mutating func trimFront() {
        while let first = slots.first, first == nil {
            slots.removeFirst()
            firstID += 1
        }
    }

    /// The deadline of the oldest entry (nil when none): `expire` has nothing to do before it.
    /// Entries are in arrival order, so a later entry may have an earlier deadline only by the
    /// lateness allowance; such an entry expires with the one in front of it. Slots of entries
    /// already satisfied are dropped from the front as they are met, so asking again (the engine
    /// asks whenever the watermark passes its earliest deadline) does not walk them again.
    mutating func earliestDeadlineMs() -> Int64? {
        trimFront()
        return slots.first??.deadlineMs
    }

    mutating func insert(_ snapshot: InputSnapshot, key: String, deadlineMs: Int64) {
        if live >= capacity {
            trimFront()
            if !slots.isEmpty {
                remove(firstID)
                dropped += 1
            }
        }
        slots.append(Entry(snapshot: snapshot, key: key, deadlineMs: deadlineMs))
        live += 1
        index[key, default: []].append(firstID + UInt64(slots.count - 1))
    }

    /// Calls `body` with the live entries under `key`, oldest first, until it returns false.
    func forEach(under key: String, _ body: (UInt64, borrowing Entry) -> Bool) {
        guard let ids = index[key] else { return }
        for id in ids {
            // Borrowed in place: binding the entry (`if let`) retained its snapshot and key per
            // entry looked at (perf).
            guard let i = slot(of: id), slots[i] != nil else { continue }
            if !body(id, slots[i].unsafelyUnwrapped) { return }
        }
    }

    /// The expected input came: the entry is done (removed, so later inputs do not look at it again).
    mutating func markSatisfied(_ id: UInt64) { remove(id) }

    /// Removes entries whose deadline is before `watermarkMs`, oldest first, and returns them
    /// (absence rules fire for the unsatisfied ones). An entry whose deadline equals the watermark
    /// stays: an input at exactly that time is not late and may still complete it.
    mutating func expire(through watermarkMs: Int64) -> [Entry] {
        var expired: [Entry] = []
        while let first = slots.first {
            guard let entry = first else {
                slots.removeFirst()
                firstID += 1
                continue
            }
            guard entry.deadlineMs < watermarkMs || watermarkMs == .max else { break }
            remove(firstID)
            expired.append(entry)
        }
        return expired
    }

    private mutating func remove(_ id: UInt64) {
        guard let i = slot(of: id), let entry = slots[i] else { return }
        slots[i] = nil
        live -= 1
        // Index lists are pruned from the front: ids expire in arrival order, and a stale id
        // behind a live one is skipped by `forEach` until it reaches the front.
        if let position = index.index(forKey: entry.key) {
            while let head = index.values[position].first, !isLive(head) { index.values[position].removeFirst() }
            if index.values[position].isEmpty { index.remove(at: position) }
        }
        trimFront()
    }
}
