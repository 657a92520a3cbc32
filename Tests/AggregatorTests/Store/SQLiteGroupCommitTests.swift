@testable import Aggregator
import Foundation
import GRDB
import Testing
import TestSupport

/// Group commit on a real SQLite file: concurrent batches share transactions, each lands once, and
/// one that fails inside a group fails alone.
@Suite struct SQLiteGroupCommitTests {
    struct Planned: Error {}

    @Test func concurrentBatches_shareTransactions_andAFailingOneFailsAlone() async throws {
        let dir = try TestPaths.temporaryDirectory("group-commit")
        defer { try? FileManager.default.removeItem(at: dir) }
        let pool = try DatabasePool(path: dir.appendingPathComponent("g.sqlite").path)
        try await pool.write { try $0.execute(sql: "CREATE TABLE t (batch INTEGER, n INTEGER)") }
        let group = SQLiteGroupCommit(pool: pool, maxGroupEvents: 1_000)
        let results = await withTaskGroup(of: (Int, Bool).self) { tasks in
            for batch in 0..<200 {
                tasks.addTask {
                    let result = await group.commit(events: 10) { db in
                        // Rows written before the failure must be rolled back with it.
                        for n in 0..<10 { try db.execute(sql: "INSERT INTO t VALUES (?, ?)", arguments: [batch, n]) }
                        if batch % 17 == 0 { throw Planned() }
                        return .committed(storedEvents: 10, committedSeq: UInt64(batch), alreadyStored: [])
                    }
                    if case .success = result { return (batch, true) }
                    return (batch, false)
                }
            }
            var all: [Int: Bool] = [:]
            for await (batch, ok) in tasks { all[batch] = ok }
            return all
        }
        #expect(results.count == 200)
        #expect(results.filter { !$0.value }.keys.sorted() == (0..<200).filter { $0 % 17 == 0 })
        let rows = try await pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM t") ?? -1 }
        #expect(rows == (200 - (0..<200).filter { $0 % 17 == 0 }.count) * 10)
        let perBatch = try await pool.read { try Int.fetchAll($0, sql: "SELECT count(*) FROM t GROUP BY batch") }
        #expect(Set(perBatch) == [10], "every committed batch whole, once")
        print("group commit: 200 batches in \(group.transactionCount) transactions")
        #expect(group.transactionCount < 200, "batches waiting together share a transaction")
        #expect(group.transactionCount >= 2, "a group holds at most 1,000 events: 100 batches")
    }
}
