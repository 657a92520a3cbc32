@testable import Aggregator
import Foundation
import GRDB
import Logging
import Shared
import Testing
import TestSupport

/// The SQLite recent tier's batch records (migration v4): what they keep, and how the store
/// behaves around them (the cap, a record that does not read back).
@Suite struct RecentBatchTests {
    @Test func ids_packAndUnpack_exactly_includingLargeGaps() throws {
        let ids: [Int64] = [1, 2, 3, 130, 131, 1 << 40, (1 << 40) + 1, Int64.max - 1, Int64.max]
        let packed = RecentBatch.packIDs(ids)
        var back: [Int64] = []
        try RecentBatch.forEachID(in: packed) { back.append($0) }
        #expect(back == ids)
        // Consecutive ids cost one byte each.
        #expect(RecentBatch.packIDs(Array(1...1_000)).count == 1_000)
        #expect(throws: StoreError.self) { try RecentBatch.forEachID(in: Array(RecentBatch.packIDs([1 << 40]).dropLast())) { _ in } }
    }

    @Test func aWholeBatchWithoutDictionary_keepsItsBody_otherwiseTheKeptEventsAreEncoded() throws {
        var generator = EventStoreContractTests.generator(seed: 3)
        let events = generator.next(count: 20)
        let body = try BatchEncoder().encode(EventBatch(agentID: "agent-1", batchSeq: 7, events: events))
        let batch = IngestedBatch(
            agentID: "agent-1", batchSeq: 7, receivedAtMs: 5, events: events, districts: events.map { "d-\($0.cameraID)" },
            evicted: EvictionReport(), agentVersion: "t", wireBody: body)
        let whole = try RecentBatch(batch, kept: Array(events.indices))
        #expect(whole.events == body)
        #expect(try RecentBatch.events(of: whole.events) == events)
        #expect(whole.eventCount == 20 && whole.firstEventID == Int64(events[0].id) && whole.lastEventID == Int64(events[19].id))
        #expect(whole.firstCaptureMs == events.map(\.captureTimeMs).min() && whole.lastCaptureMs == events.map(\.captureTimeMs).max())
        let districts = try RecentBatch.districts(whole.cameras)
        #expect(districts == Dictionary(events.map { ($0.cameraID, "d-\($0.cameraID)") }, uniquingKeysWith: { a, _ in a }))

        let part = try RecentBatch(batch, kept: [2, 5, 11])
        #expect(try RecentBatch.events(of: part.events) == [events[2], events[5], events[11]])
        var ids: [Int64] = []
        try RecentBatch.forEachID(in: part.eventIDs) { ids.append($0) }
        #expect(ids == [2, 5, 11].map { Int64(events[$0].id) })
    }

    @Test func cameraNames_surviveJSON_andFeedLastEventTimes() async throws {
        let dir = try TestPaths.temporaryDirectory("recent")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteEventStore(path: dir.appendingPathComponent("e.sqlite").path)
        let cameras = [#"cam "quoted"/1"#, "cam\\2", "камера-3"]
        let events = cameras.enumerated().map { i, camera in
            Event(id: UInt64(i + 1), cameraID: camera, kind: .intrusion, captureTimeMs: 1_000 + Int64(i))
        }
        let batch = IngestedBatch(
            agentID: "a", batchSeq: 1, receivedAtMs: 1, events: events, districts: ["north", "south", "east"], evicted: EvictionReport(),
            agentVersion: "t")
        #expect(try await store.commit(batch) == .committed(storedEvents: 3, committedSeq: 1))
        #expect(try await store.lastEventTimes() == [cameras[0]: 1_000, cameras[1]: 1_001, cameras[2]: 1_002])
        #expect(try await store.events(EventQuery(district: "south", limit: 10)).map(\.event.cameraID) == [cameras[1]])
        await store.close()
    }

    /// Past the cap on events waiting to be indexed, commits are refused as unavailable (the agent
    /// retries) and nothing of them is stored; once the indexer catches up they go in.
    @Test func theRecentTierCap_refusesCommitsAsUnavailable_untilIndexingCatchesUp() async throws {
        let dir = try TestPaths.temporaryDirectory("recent")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteEventStore(path: dir.appendingPathComponent("e.sqlite").path, maxRecentEvents: 100)
        var generator = EventStoreContractTests.generator(seed: 4)
        #expect(try await store.commit(EventStoreContractTests.batch(&generator, seq: 1, count: 100)) == .committed(storedEvents: 100, committedSeq: 1))
        let second = EventStoreContractTests.batch(&generator, seq: 2, count: 10)
        do {
            _ = try await store.commit(second)
            Issue.record("a commit past the cap was taken")
        } catch {
            #expect(error.kind == .unavailable && error.message.contains("wait to be indexed"), "\(error)")
        }
        #expect(try await store.committedSequence(agent: "agent-1") == 1)
        #expect(try await store.indexRecent(maxEvents: 1_000) == 100)
        #expect(try await store.commit(second) == .committed(storedEvents: 10, committedSeq: 2))
        #expect(try await store.eventCount() == 110)
        await store.close()
        // A restart counts what waits from the database.
        let reopened = try SQLiteEventStore(path: dir.appendingPathComponent("e.sqlite").path, maxRecentEvents: 10)
        await #expect(throws: StoreError.self) { try await reopened.commit(EventStoreContractTests.batch(&generator, seq: 3, count: 1)) }
        await reopened.close()
    }

    /// A batch record that does not read back (corruption: never written so) is set aside with
    /// the reason, and the batches around it are indexed: one bad row does not stop the indexer.
    @Test func anUnreadableRecord_isSetAside_andTheOthersMove() async throws {
        let dir = try TestPaths.temporaryDirectory("recent")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("e.sqlite").path
        let store = try SQLiteEventStore(path: path)
        var generator = EventStoreContractTests.generator(seed: 5)
        for seq in 1...3 { _ = try await store.commit(EventStoreContractTests.batch(&generator, seq: UInt64(seq), count: 10)) }
        let writer = try DatabaseQueue(path: path)
        try await writer.write { db in try db.execute(sql: "UPDATE recent_batches SET events = x'28b52ffd00' WHERE batch_seq = 2") }
        try writer.close()
        #expect(try await store.events(EventQuery(limit: 100)).count == 20, "queries skip it")
        #expect(try await store.indexRecent(maxEvents: 1_000) == 30)
        #expect(try await store.eventCount() == 20)
        let reader = try DatabaseQueue(path: path)
        let setAside = try reader.read { db in try Row.fetchAll(db, sql: "SELECT batch_seq, error FROM recent_batches_unreadable") }
        #expect(setAside.count == 1 && setAside.first?["batch_seq"] == 2)
        #expect((setAside.first?["error"] as String?)?.isEmpty == false)
        try reader.close()
        await store.close()
    }

    /// SQLite hands out row ids again once the tier is empty: a second unreadable batch with the
    /// same row id as the first is set aside too (the set-aside table gives it its own id).
    @Test func unreadableRecords_withAReusedRowId_areAllSetAside() async throws {
        let dir = try TestPaths.temporaryDirectory("recent")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("e.sqlite").path
        let store = try SQLiteEventStore(path: path)
        var generator = EventStoreContractTests.generator(seed: 6)
        for seq in 1...2 {
            _ = try await store.commit(EventStoreContractTests.batch(&generator, seq: UInt64(seq), count: 10))
            let writer = try DatabaseQueue(path: path)
            let rowIDs = try await writer.write { db in
                try db.execute(sql: "UPDATE recent_batches SET events = x'00'")
                return try Int64.fetchAll(db, sql: "SELECT row_id FROM recent_batches")
            }
            try writer.close()
            #expect(rowIDs == [1], "the tier is empty again, so the row id is 1 again")
            #expect(try await store.indexRecent(maxEvents: 100) == 10)
        }
        let reader = try DatabaseQueue(path: path)
        #expect(try await reader.read { db in try Int.fetchAll(db, sql: "SELECT batch_seq FROM recent_batches_unreadable ORDER BY batch_seq") } == [1, 2])
        try reader.close()
        await store.close()
    }

    /// Pages of every size, both directions, following the cursors across both tiers (some
    /// batches indexed, some recent, capture times interleaved): every event once, in order.
    @Test(arguments: StoreKind.allCases)
    func paging_acrossBothTiers_visitsEveryEventOnceInOrder(kind: StoreKind) async throws {
        let (made, cleanUp) = try await kind.make()
        let store = try #require(made as? any RecentTierStore)
        var generators = (1...3).map { EventStoreContractTests.generator("agent-\($0)", seed: UInt64(20 + $0)) }
        var all: [Event] = []
        for seq in 1...4 {
            for a in 0..<3 {
                let batch = EventStoreContractTests.batch(&generators[a], agent: "agent-\(a + 1)", seq: UInt64(seq), count: 15)
                all += batch.events
                _ = try await store.commit(batch)
            }
            if seq == 2 { #expect(try await store.indexRecent(maxEvents: 1_000) == 90) }
        }
        #expect(try await store.recentBacklog().events == 90)
        let expected = try await store.events(EventQuery(limit: 1_000, ascending: true))
        #expect(expected.count == all.count && Set(expected.map(\.event)) == Set(all))
        for limit in [1, 7, 50] {
            var forward: [StoredEvent] = [], backward: [StoredEvent] = []
            var after: EventCursor?, before: EventCursor?
            for _ in 0..<200 {
                let page = try await store.events(EventQuery(limit: limit, ascending: true, after: after))
                forward += page
                guard let last = page.last else { break }
                after = EventCursor(captureTimeMs: last.event.captureTimeMs, agentID: last.agentID, eventID: last.event.id)
            }
            for _ in 0..<200 {
                let page = try await store.events(EventQuery(limit: limit, before: before))
                backward += page
                guard let last = page.last else { break }
                before = EventCursor(captureTimeMs: last.event.captureTimeMs, agentID: last.agentID, eventID: last.event.id)
            }
            #expect(forward == expected, "limit \(limit) forward")
            #expect(backward == expected.reversed(), "limit \(limit) backward")
        }
        await cleanUp()
    }

    /// PostgreSQL refusing some rows of a move (here a check constraint the test adds) must not
    /// stop the indexer: the move goes batch by batch, the refused batch is set aside with the
    /// reason, and every other batch is indexed.
    @Test func postgres_aBatchTheServerRefuses_isSetAside_andTheOthersMove() async throws {
        let server = try await PostgresServer.shared()
        let database = try server.createDatabase()
        let store = try await PostgresEventStore.open(server.settings(database: database), logger: Logger(label: "test"), timeout: .seconds(60))
        try server.psql("ALTER TABLE events ADD CONSTRAINT no_refused CHECK (camera_id <> 'cam-refused')", database: database)
        var generator = EventStoreContractTests.generator(seed: 7)
        for seq in 1...3 {
            var batch = EventStoreContractTests.batch(&generator, seq: UInt64(seq), count: 10)
            if seq == 2 { batch.events[4].cameraID = "cam-refused" }
            #expect(try await store.commit(batch) == .committed(storedEvents: 10, committedSeq: UInt64(seq)))
        }
        #expect(try await store.indexRecent(maxEvents: 1_000) == 30)
        #expect(try await store.recentBacklog().events == 0)
        #expect(try server.psql("SELECT count(*) FROM events", database: database) == "20")
        #expect(try server.psql("SELECT batch_seq || ':' || (error LIKE '%no_refused%') FROM recent_batches_unreadable", database: database) == "2:true")
        await store.close()
        _ = try? server.psql("DROP DATABASE \(database) WITH (FORCE)")
    }
}
