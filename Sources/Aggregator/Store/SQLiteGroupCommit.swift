import GRDB
import Shared
import Synchronization

/// Group commit for the SQLite store: batches that arrive while a commit is running wait, then go
/// in one transaction together (each in its own savepoint, so one that fails does not take the
/// others with it), and one WAL fsync makes all of them durable. Under many agents this trades a
/// fsync and a round of index page writes per batch for one per group; a lone agent sees no change.
/// The first waiter becomes the writer for everyone queued (no background task to own).
final class SQLiteGroupCommit: Sendable {
    typealias Work = @Sendable (Database) throws -> CommitOutcome

    private struct Pending {
        var work: Work
        var events: Int
        var continuation: CheckedContinuation<Result<CommitOutcome, StoreError>, Never>
    }

    private let pool: DatabasePool
    private let state = Mutex<(queue: [Pending], writing: Bool)>(([], false))
    /// A group closes at this many events (a bound on one transaction's size and latency).
    let maxGroupEvents: Int
    private let transactions = Atomic<Int>(0)
    /// Transactions committed so far (tests see how batches were grouped).
    var transactionCount: Int { transactions.load(ordering: .relaxed) }

    init(pool: DatabasePool, maxGroupEvents: Int = 20_000) {
        self.pool = pool
        self.maxGroupEvents = maxGroupEvents
    }

    func commit(events: Int, _ work: @escaping Work) async -> Result<CommitOutcome, StoreError> {
        await withCheckedContinuation { continuation in
            let lead = state.withLock { s -> Bool in
                s.queue.append(Pending(work: work, events: events, continuation: continuation))
                if s.writing { return false }
                s.writing = true
                return true
            }
            if lead { Task { await self.drain() } }
        }
    }

    /// Commits groups until the queue is empty.
    private func drain() async {
        while let group = takeGroup() {
            do {
                let outcomes = try await pool.write { db in
                    group.map { pending -> Result<CommitOutcome, StoreError> in
                        do {
                            var outcome: CommitOutcome?
                            try db.inSavepoint {
                                outcome = try pending.work(db)
                                return .commit
                            }
                            return .success(outcome!)
                        } catch {
                            return .failure(SQLiteEventStore.mapped(error))
                        }
                    }
                }
                transactions.add(1, ordering: .relaxed)
                for (pending, outcome) in zip(group, outcomes) { pending.continuation.resume(returning: outcome) }
            } catch {
                // The transaction itself failed (disk full, I/O): nothing of the group is committed.
                let failure = SQLiteEventStore.mapped(error)
                for pending in group { pending.continuation.resume(returning: .failure(failure)) }
            }
        }
    }

    /// The next group (at least one batch, up to `maxGroupEvents`), or nil — and the writer role
    /// released — when nothing waits.
    private func takeGroup() -> [Pending]? {
        state.withLock { s in
            guard !s.queue.isEmpty else {
                s.writing = false
                return nil
            }
            var events = 0, count = 0
            for p in s.queue {
                if count > 0, events + p.events > maxGroupEvents { break }
                events += p.events
                count += 1
            }
            let group = Array(s.queue.prefix(count))
            s.queue.removeFirst(count)
            return group
        }
    }
}
