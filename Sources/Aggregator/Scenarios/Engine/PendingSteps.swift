import DequeModule

/// First steps of a sequence or absence rule waiting for their second step, indexed by the key
/// the rule's correlation looks them up under (camera, district, reach ...). A second step looks
/// only at the keys it can relate to, never at every pending entry (except `within_distance`,
/// which scans the rule's bounded list).
struct PendingSteps {
    struct Entry {
        var snapshot: InputSnapshot
        var key: String
        var deadlineMs: Int64
        /// Absence: the expected input came.
        var satisfied = false
    }

    private var entries: [UInt64: Entry] = [:]
    /// Entry ids in arrival order (≈ deadline order: deadlines are arrival time + a constant).
    private var order: Deque<UInt64> = []
    private var index: [String: Deque<UInt64>] = [:]
    private var nextID: UInt64 = 0
    let capacity: Int
    private(set) var dropped = 0

    init(capacity: Int) { self.capacity = capacity }

    var count: Int { entries.count }
    /// Ids still queued in arrival order, satisfied ones not yet dropped included (tests).
    var queuedIDs: Int { order.count }

    /// The deadline of the oldest entry (nil when none): `expire` has nothing to do before it.
    /// Entries are in arrival order, so a later entry may have an earlier deadline only by the
    /// lateness allowance; such an entry expires with the one in front of it. Ids of entries
    /// already satisfied are dropped from the front as they are met, so asking again (the engine asks
    /// whenever the watermark passes its earliest deadline) does not walk them again (amortised O(1)).
    mutating func earliestDeadlineMs() -> Int64? {
        while let id = order.first {
            if let entry = entries[id] { return entry.deadlineMs }
            order.removeFirst()
        }
        return nil
    }

    mutating func insert(_ snapshot: InputSnapshot, key: String, deadlineMs: Int64) {
        if entries.count >= capacity, let oldest = order.first {
            remove(oldest)
            order.removeFirst()
            dropped += 1
        }
        nextID += 1
        entries[nextID] = Entry(snapshot: snapshot, key: key, deadlineMs: deadlineMs)
        order.append(nextID)
        index[key, default: []].append(nextID)
    }

    /// Calls `body` with the live entries under `key`, oldest first, until it returns false.
    func forEach(under key: String, _ body: (UInt64, borrowing Entry) -> Bool) {
        guard let ids = index[key] else { return }
        for id in ids {
            guard let entry = entries[id] else { continue }
            if !body(id, entry) { return }
        }
    }

    /// The expected input came: the entry is done (removed, so later inputs do not look at it again).
    mutating func markSatisfied(_ id: UInt64) { remove(id) }

    /// Removes entries whose deadline is before `watermarkMs`, oldest first, and returns them
    /// (absence rules fire for the unsatisfied ones). An entry whose deadline equals the watermark
    /// stays: an input at exactly that time is not late and may still complete it.
    mutating func expire(through watermarkMs: Int64) -> [Entry] {
        var expired: [Entry] = []
        while let id = order.first {
            guard let entry = entries[id] else { order.removeFirst(); continue }
            guard entry.deadlineMs < watermarkMs || watermarkMs == .max else { break }
            order.removeFirst()
            remove(id)
            expired.append(entry)
        }
        return expired
    }

    private mutating func remove(_ id: UInt64) {
        guard let entry = entries.removeValue(forKey: id) else { return }
        // Index lists are pruned from the front: ids expire in arrival order, and a stale id
        // behind a live one is skipped by `lookup` until it reaches the front.
        guard var ids = index.removeValue(forKey: entry.key) else { return }
        while let head = ids.first, entries[head] == nil { ids.removeFirst() }
        if !ids.isEmpty { index[entry.key] = ids }
    }
}
