@testable import Aggregator
import GRDB
import Foundation
import Logging
import Shared
import Testing
import TestSupport

/// Which store a contract test runs against: a real SQLite file, or a database of its own on a
/// real PostgreSQL server started by the tests.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// A fresh, empty store and what removes it.
    func make() async throws -> (store: any EventStore, cleanUp: @Sendable () async -> Void) {
        switch self {
        case .sqlite:
            let dir = try TestPaths.temporaryDirectory("store")
            let store = try SQLiteEventStore(path: dir.appendingPathComponent("e.sqlite").path)
            return (store, { await store.close(); try? FileManager.default.removeItem(at: dir) })
        case .postgres:
            let server = try await PostgresServer.shared()
            let database = try server.createDatabase()
            // A generous bound: the whole suite shares two cores; correctness, not latency, is tested.
            let store = try await PostgresEventStore.open(server.settings(database: database), logger: Logger(label: "test"), timeout: .seconds(60))
            return (store, { await store.close(); _ = try? server.psql("DROP DATABASE \(database) WITH (FORCE)") })
        }
    }
}

extension PostgresServer {
    func settings(database: String, connections: Int = 8) -> PostgresSettings {
        var settings = PostgresSettings(user: user, database: database)
        settings.port = port
        settings.tls = .disable
        settings.connections = connections
        return settings
    }
}

/// One suite, unchanged for both stores: idempotent commits, exact round trips, queries,
/// concurrency, age retention.
@Suite struct EventStoreContractTests {
    static func batch(_ generator: inout SyntheticEventGenerator, agent: String = "agent-1", seq: UInt64, count: Int) -> IngestedBatch {
        let events = generator.next(count: count)
        return IngestedBatch(
            agentID: agent, batchSeq: seq, receivedAtMs: 1, events: events, districts: events.map { _ in "north" },
            evicted: EvictionReport(), agentVersion: "test")
    }

    static func generator(_ agent: String = "agent-1", seed: UInt64 = 42) -> SyntheticEventGenerator {
        var c = SyntheticEventGenerator.Configuration()
        c.agentID = agent
        c.seed = seed
        return SyntheticEventGenerator(configuration: c)
    }

    @Test(arguments: StoreKind.allCases)
    func commits_areIdempotent_andQueriesFilter(kind: StoreKind) async throws {
        let (store, cleanUp) = try await kind.make()
        var generator = Self.generator()
        let first = Self.batch(&generator, seq: 1, count: 100)
        #expect(try await store.commit(first) == .committed(storedEvents: 100, committedSeq: 1))
        #expect(try await store.commit(first) == .duplicate(committedSeq: 1))
        // Out of order and with a gap: both accepted, the committed sequence is the highest.
        let third = Self.batch(&generator, seq: 3, count: 10)
        #expect(try await store.commit(third) == .committed(storedEvents: 10, committedSeq: 3))
        var second = Self.batch(&generator, seq: 2, count: 10)
        second.events.append(first.events[0])  // an event already stored under batch 1
        second.districts.append("north")
        // ... and named, so that it is not evaluated by the scenarios twice.
        #expect(try await store.commit(second) == .committed(storedEvents: 10, committedSeq: 3, alreadyStored: [first.events[0].id]))
        #expect(try await store.eventCount() == 120)
        #expect(try await store.committedSequence(agent: "agent-1") == 3)
        #expect(try await store.committedSequence(agent: "nobody") == nil)
        let agents = try await store.agents()
        #expect(agents.map(\.agentID) == ["agent-1"])
        #expect(agents.first?.events == 120 && agents.first?.batches == 3 && agents.first?.committedSeq == 3)
        let committedEvents: [Event] = first.events + third.events + Array(second.events.dropLast())
        let hours: Set<Int64> = Set(committedEvents.map { $0.captureTimeMs / 3_600_000 * 3_600_000 })
        let latest = try await store.lastEventTimes()
        let expectedLatest = Dictionary(committedEvents.map { ($0.cameraID, $0.captureTimeMs) }, uniquingKeysWith: max)
        #expect(latest == expectedLatest)
        let hourly = try await store.hourlyCounts(fromMs: 0, toMs: .max)
        #expect(hourly.reduce(Int64(0)) { $0 + $1.count } == 120)
        #expect(Set(hourly.map(\.hourMs)) == hours)
        // An empty batch still advances the sequence.
        #expect(try await store.commit(Self.batch(&generator, seq: 4, count: 0)) == .committed(storedEvents: 0, committedSeq: 4))

        let eventKind = first.events[0].kind
        let ofKind = try await store.events(EventQuery(kind: eventKind.rawValue, limit: 1000))
        #expect(!ofKind.isEmpty && ofKind.allSatisfy { $0.event.kind == eventKind })
        let all = first.events + second.events.dropLast() + third.events
        #expect(ofKind.count == all.filter { $0.kind == eventKind }.count)
        let newest = try await store.events(EventQuery(limit: 5))
        #expect(newest.map(\.event.captureTimeMs) == all.map(\.captureTimeMs).sorted(by: >).prefix(5).map { $0 })
        let camera = first.events[0].cameraID
        let window = (all.map(\.captureTimeMs).min()!, all.map(\.captureTimeMs).sorted()[60])
        let filtered = try await store.events(EventQuery(fromMs: window.0, toMs: window.1, camera: camera, district: "north", limit: 1000))
        #expect(Set(filtered.map(\.event)) == Set(all.filter { $0.cameraID == camera && $0.captureTimeMs >= window.0 && $0.captureTimeMs < window.1 }))
        #expect(try await store.events(EventQuery(district: "south")).isEmpty)
        await cleanUp()
    }

    /// Every field comes back as sent: ids above Int64.max, boxes, zones, snapshots, attributes.
    @Test(arguments: StoreKind.allCases)
    func events_roundTripExactly(kind: StoreKind) async throws {
        let (store, cleanUp) = try await kind.make()
        var generator = Self.generator(seed: 7)
        var batch = Self.batch(&generator, seq: UInt64(Int64.max), count: 400)
        batch.events[0].id = UInt64(Int64.max)  // the largest id the wire carries, out of order
        batch.events[1].trackID = UInt64(Int64.max) + 5
        batch.events[2].snapshot = "snapshots/cam-1/2026-11-29T08:00:00Z.jpg"
        batch.events[3].zone = nil
        batch.events[3].box = nil
        #expect(try await store.commit(batch) == .committed(storedEvents: 400, committedSeq: UInt64(Int64.max)))
        let stored = try await store.events(EventQuery(limit: 1000))
        #expect(stored.count == 400)
        #expect(Set(stored.map(\.event)) == Set(batch.events))
        #expect(stored.allSatisfy { $0.agentID == "agent-1" && $0.batchSeq == UInt64(Int64.max) && $0.district == "north" })
        #expect(stored.contains { $0.event.box != nil } && stored.contains { $0.event.zone != nil } && stored.contains { !$0.event.attributes.isEmpty })
        await cleanUp()
    }

    /// Many writers at once, the same batches resent concurrently by two of them: every event is
    /// stored once and every batch is committed once.
    @Test(arguments: StoreKind.allCases)
    func concurrentCommits_storeEachEventOnce(kind: StoreKind) async throws {
        let (store, cleanUp) = try await kind.make()
        let agents = (1...4).map { "agent-\($0)" }
        var batches: [IngestedBatch] = []
        for (i, agent) in agents.enumerated() {
            var generator = Self.generator(agent, seed: UInt64(i + 1))
            for seq in 1...25 { batches.append(Self.batch(&generator, agent: agent, seq: UInt64(seq), count: 40)) }
        }
        let outcomes = try await withThrowingTaskGroup(of: CommitOutcome.self) { group in
            for batch in batches + batches {
                group.addTask { try await store.commit(batch) }
            }
            return try await group.reduce(into: [CommitOutcome]()) { $0.append($1) }
        }
        let committed = outcomes.filter { if case .committed = $0 { true } else { false } }
        #expect(committed.count == batches.count)
        #expect(outcomes.count - committed.count == batches.count)
        #expect(try await store.eventCount() == batches.count * 40)
        for agent in agents { #expect(try await store.committedSequence(agent: agent) == 25) }
        await cleanUp()
    }

    @Test(arguments: StoreKind.allCases)
    func retention_deletesByAge_andForgetsOldBatchRecords(kind: StoreKind) async throws {
        let (store, cleanUp) = try await kind.make()
        var generator = Self.generator()
        var batches: [IngestedBatch] = []
        for seq in 1...20 {
            batches.append(Self.batch(&generator, seq: UInt64(seq), count: 500))
            _ = try await store.commit(batches[seq - 1])
        }
        #expect(try await store.commit(batches[0]) == .duplicate(committedSeq: 20))
        let all = try await store.events(EventQuery(limit: 10_000)).map(\.event.captureTimeMs).sorted()
        #expect(all.count == 10_000)
        let median = all[5_000]

        var settings = RetentionSettings()
        settings.maxAgeDays = 1
        let cutoffNow = median + 86_400_000  // "now" one day after the median event
        let retention = RetentionService(store: store, settings: settings, now: { cutoffNow }, logger: Logger(label: "test"))
        let deleted = await retention.sweep()
        #expect(deleted == all.filter { $0 < median }.count)
        let left = try await store.events(EventQuery(limit: 10_000))
        #expect(left.allSatisfy { $0.event.captureTimeMs >= median })
        // The records of batches received before the cutoff went too (the table stays bounded):
        // a resend is committed again, and only its events still missing are stored.
        let leftOfFirst = left.filter { $0.batchSeq == 1 }
        let resent = try await store.commit(batches[0])
        #expect(resent == .committed(
            storedEvents: 500 - leftOfFirst.count, committedSeq: 20, alreadyStored: batches[0].events.map(\.id).filter { id in leftOfFirst.contains { $0.event.id == id } }))
        await cleanUp()
    }
}

/// What only one engine has: SQLite's byte cap and its durability pragma; PostgreSQL's
/// session durability and concurrent migrations.
@Suite struct StoreEngineTests {
    /// Commits land in the recent tier (both stores); `indexRecent` moves the oldest into the indexed
    /// table. Queries answer the same whichever tier holds an event, an event resent after its
    /// move is still a duplicate, and retention deletes from both tiers.
    @Test(arguments: StoreKind.allCases)
    func recentTier_movesOldestFirst_andQueriesSeeBothTiers(kind: StoreKind) async throws {
        let (made, cleanUp) = try await kind.make()
        let store = try #require(made as? any RecentTierStore)
        var generator = EventStoreContractTests.generator(seed: 11)
        let first = EventStoreContractTests.batch(&generator, seq: 1, count: 100)
        var second = EventStoreContractTests.batch(&generator, seq: 2, count: 100)
        second.receivedAtMs = 2
        _ = try await store.commit(first)
        _ = try await store.commit(second)
        #expect(try await store.recentBacklog() == RecentBacklog(events: 200, oldestReceivedMs: 1, lastCommitMs: 2))

        let all = first.events + second.events
        let camera = all[0].cameraID
        func answers() async throws -> [[StoredEvent]] {
            [
                try await store.events(EventQuery(limit: 1000)),
                try await store.events(EventQuery(camera: camera, limit: 1000)),
                try await store.events(EventQuery(limit: 1000, ascending: true)),
                try await store.events(EventQuery(fromMs: all[50].captureTimeMs, toMs: all[150].captureTimeMs, limit: 1000)),
            ]
        }
        let before = try await answers()
        let latest = try await store.lastEventTimes()
        let hourly = try await store.hourlyCounts(fromMs: 0, toMs: .max)
        #expect(before[0].count == 200 && before[1].count == all.filter { $0.cameraID == camera }.count)

        // Whole batches move, oldest first: the first (the second would pass the step of 150).
        #expect(try await store.indexRecent(maxEvents: 150) == 100)
        #expect(try await store.recentBacklog() == RecentBacklog(events: 100, oldestReceivedMs: 2, lastCommitMs: 2))
        #expect(try await answers() == before)
        #expect(try await store.lastEventTimes() == latest)
        #expect(try await store.hourlyCounts(fromMs: 0, toMs: .max) == hourly)
        #expect(try await store.eventCount() == 200)

        // An event of the first batch, now indexed, resent in a new batch: skipped and named.
        var third = EventStoreContractTests.batch(&generator, seq: 3, count: 10)
        third.events.append(first.events[99])
        third.districts.append("north")
        #expect(try await store.commit(third) == .committed(storedEvents: 10, committedSeq: 3, alreadyStored: [first.events[99].id]))

        #expect(try await store.indexRecent(maxEvents: 1_000) == 110)
        #expect(try await store.indexRecent(maxEvents: 1_000) == 0)
        #expect(try await store.recentBacklog().events == 0)
        #expect(try await store.recentBacklog().oldestReceivedMs == nil)
        #expect(try await store.eventCount() == 210)
        // The camera's events now: what it had before and the third batch's new ones, all indexed.
        let onCamera = try await store.events(EventQuery(camera: camera, limit: 1000))
        #expect(Set(onCamera.map(\.event)) == Set((all + third.events.dropLast()).filter { $0.cameraID == camera }))
        #expect(onCamera.count == before[1].count + third.events.dropLast().filter { $0.cameraID == camera }.count)

        // An id the wire could not carry (above Int64.max) cannot be kept in a batch record:
        // refused whole, nothing stored, the sequence not taken.
        var huge = EventStoreContractTests.batch(&generator, seq: 5, count: 2)
        huge.events[1].id = UInt64.max
        await #expect(throws: StoreError.self) { try await store.commit(huge) }
        #expect(try await store.committedSequence(agent: "agent-1") == 3)
        // A store does not rely on ids increasing: unsorted ids and an indexed duplicate in the
        // middle are still probed one by one.
        var unsorted = EventStoreContractTests.batch(&generator, seq: 5, count: 4)
        unsorted.events.insert(second.events[10], at: 2)
        unsorted.districts.append("north")
        unsorted.events.swapAt(0, 3)
        #expect(try await store.commit(unsorted) == .committed(storedEvents: 4, committedSeq: 5, alreadyStored: [second.events[10].id]))
        #expect(try await store.indexRecent(maxEvents: 1_000) == 4)
        #expect(try await store.commit(EventStoreContractTests.batch(&generator, seq: 6, count: 0)) == .committed(storedEvents: 0, committedSeq: 6))

        // A whole batch resent after its events moved and its record was forgotten: nothing stored twice.
        #expect(try await store.deleteBatchRecords(receivedBefore: .max, limit: 100) == 5)
        #expect(try await store.commit(first) == .committed(storedEvents: 0, committedSeq: 6, alreadyStored: first.events.map(\.id)))
        #expect(try await store.eventCount() == 214)

        // Retention reaches both tiers: a fourth batch stays recent.
        let fourth = EventStoreContractTests.batch(&generator, seq: 4, count: 20)
        _ = try await store.commit(fourth)
        let stored = first.events + second.events + third.events.dropLast() + unsorted.events + fourth.events
        let cutoff = stored.map(\.captureTimeMs).max()! + 1
        // Limits smaller than a tier: the second call continues where the first stopped.
        #expect(try await store.deleteEvents(capturedBefore: cutoff, limit: 100) == 100)
        #expect(try await store.deleteEvents(capturedBefore: cutoff, limit: 1_000) == 134)
        #expect(try await store.eventCount() == 0)
        await cleanUp()
    }

    /// Since migration v4 the recent tier keeps batches, and the commit finds what it already
    /// holds through their id lists. Rows a v3 database held in its recent tier move into the
    /// indexed table at the upgrade; they, rows committed after it, and an id repeated inside one
    /// batch are all stored once.
    @Test func sqlite_batchRecentTier_storesEachEventOnce_alsoAcrossTheV4Upgrade() async throws {
        func distinctEvents(_ path: String) async throws -> Int {
            let reader = try DatabaseQueue(path: path, configuration: { var c = Configuration(); c.readonly = true; return c }())
            defer { try? reader.close() }
            return try await reader.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM (SELECT DISTINCT agent_id, event_id FROM events)") ?? -1 }
        }
        let dir = try TestPaths.temporaryDirectory("store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("e.sqlite").path
        var generator = EventStoreContractTests.generator(seed: 12)
        let old = EventStoreContractTests.batch(&generator, seq: 1, count: 50)
        do {
            // A v3 database with `old` in its recent tier, as v3's commit left it.
            let pool = try DatabasePool(path: path)
            try SQLiteEventStore.migrator.migrate(pool, upTo: "v3")
            try await pool.write { db in
                let columns = EventRow.columns.joined(separator: ", "), marks = EventRow.columns.map { _ in "?" }.joined(separator: ", ")
                let insert = try db.makeStatement(sql: "INSERT INTO events_recent (\(columns)) VALUES (\(marks))")
                #expect(try SQLiteRowInserter.insert(EventRow.rows(of: old), with: insert, in: db) == 50)
                try db.execute(
                    sql: "INSERT INTO recent_ranges SELECT agent_id, min(event_id), max(event_id), min(row_id), max(row_id) FROM events_recent GROUP BY agent_id")
            }
            try pool.close()
        }
        let store = try SQLiteEventStore(path: path)
        #expect(try await store.eventCount() == 50)
        #expect(try await store.recentBacklog().events == 0, "the upgrade moved them")
        #expect(try await distinctEvents(path) == 50)

        func resent(_ seq: UInt64, new count: Int, plus events: [Event]) -> IngestedBatch {
            var batch = EventStoreContractTests.batch(&generator, seq: seq, count: count)
            batch.events += events
            batch.districts += events.map { _ in "north" }
            return batch
        }
        // From before the upgrade, in a new batch after new events (ids not increasing).
        #expect(try await store.commit(resent(2, new: 5, plus: [old.events[3], old.events[40]]))
            == .committed(storedEvents: 5, committedSeq: 2, alreadyStored: [old.events[3].id, old.events[40].id]))
        let fresh = EventStoreContractTests.batch(&generator, seq: 3, count: 5)
        #expect(try await store.commit(fresh) == .committed(storedEvents: 5, committedSeq: 3))
        // From after it, twice in one batch.
        let fourth = resent(4, new: 2, plus: [fresh.events[1], fresh.events[1]])
        #expect(try await store.commit(fourth) == .committed(storedEvents: 2, committedSeq: 4, alreadyStored: [fresh.events[1].id, fresh.events[1].id]))
        // A new id twice in one batch: stored once, and not reported as stored by another batch.
        var twice = EventStoreContractTests.batch(&generator, seq: 5, count: 1)
        twice.events.append(twice.events[0])
        twice.districts.append("north")
        #expect(try await store.commit(twice) == .committed(storedEvents: 1, committedSeq: 5))
        // The common resend: the same events, increasing, under a new sequence, still recent.
        #expect(try await store.commit(resent(6, new: 0, plus: fresh.events))
            == .committed(storedEvents: 0, committedSeq: 6, alreadyStored: fresh.events.map(\.id)))
        #expect(try await store.eventCount() == 63)
        #expect(try await store.recentBacklog().events == 13)
        #expect(try await store.events(EventQuery(limit: 1_000)).count == 63, "no event twice while recent")

        // Half indexed (batches 2 and 3): a batch whose events sit in both tiers is caught in both.
        #expect(try await store.indexRecent(maxEvents: 10) == 10)
        let across = [old.events[49], fresh.events[0]] + fourth.events.prefix(2)
        #expect(try await store.commit(resent(7, new: 1, plus: across))
            == .committed(storedEvents: 1, committedSeq: 7, alreadyStored: across.map(\.id)))
        #expect(try await store.indexRecent(maxEvents: 1_000) == 4)
        #expect(try await store.commit(resent(8, new: 0, plus: fresh.events))
            == .committed(storedEvents: 0, committedSeq: 8, alreadyStored: fresh.events.map(\.id)))
        await store.close()
        let check = try DatabaseQueue(path: path)
        let counts = try await check.read { db in
            try [
                "SELECT count(*) FROM recent_batches", "SELECT count(*) FROM events",
                "SELECT count(*) FROM (SELECT DISTINCT agent_id, event_id FROM events)",
                "SELECT count(*) FROM sqlite_master WHERE name IN ('events_recent', 'recent_ranges')",
            ].map { try Int.fetchOne(db, sql: $0) ?? -1 }
        }
        #expect(counts == [0, 64, 64, 0], "recent batches left, events, distinct events, v3 tables left")
        try check.close()
    }

    /// Retention can empty the recent tier behind the indexer (new batches then reuse its row
    /// ids): what retention deleted is stored again when resent, what is stored is not stored twice.
    @Test func sqlite_recentTierEmptiedByRetention_reusedRowIds_stayExact() async throws {
        let (made, cleanUp) = try await StoreKind.sqlite.make()
        let store = try #require(made as? SQLiteEventStore)
        var generator = EventStoreContractTests.generator(seed: 13)
        let first = EventStoreContractTests.batch(&generator, seq: 1, count: 40)
        _ = try await store.commit(first)
        #expect(try await store.deleteEvents(capturedBefore: .max, limit: 1_000) == 40)
        #expect(try await store.eventCount() == 0)
        let second = EventStoreContractTests.batch(&generator, seq: 2, count: 30)  // row ids start again
        #expect(try await store.commit(second) == .committed(storedEvents: 30, committedSeq: 2))
        var resend = first
        resend.batchSeq = 3
        resend.events += second.events
        resend.districts += second.districts
        #expect(try await store.commit(resend)
            == .committed(storedEvents: 40, committedSeq: 3, alreadyStored: second.events.map(\.id)))
        #expect(try await store.eventCount() == 70)
        #expect(try await store.indexRecent(maxEvents: 1_000) == 70)
        #expect(try await store.indexRecent(maxEvents: 1_000) == 0)
        #expect(try await store.eventCount() == 70)
        await cleanUp()
    }

    @Test func sqlite_retentionShrinksToByteCap_oldestFirst() async throws {
        let (made, cleanUp) = try await StoreKind.sqlite.make()
        let store = try #require(made as? SQLiteEventStore)
        var generator = EventStoreContractTests.generator()
        // Enough rows that deleting the oldest frees whole pages of the time-ordered indexes.
        let batches = (1...30).map { EventStoreContractTests.batch(&generator, seq: UInt64($0), count: 1_000) }
        // The newer ones indexed, the two oldest (a late backlog) in the recent tier.
        for batch in batches[2...] { _ = try await store.commit(batch) }
        #expect(try await store.indexRecent(maxEvents: 100_000) == 28_000)
        for batch in batches[..<2] { _ = try await store.commit(batch) }
        let all = batches.flatMap(\.events).map(\.captureTimeMs).sorted()
        #expect(try await store.eventCount() == all.count)
        let before = try await store.sizeBytes()
        var settings = RetentionSettings()
        settings.maxAgeDays = 36500
        settings.maxBytes = before / 2
        let shrinking = RetentionService(store: store, settings: settings, now: { all.last! }, logger: Logger(label: "test"))
        #expect(await shrinking.sweep() > 0)
        #expect(try await store.sizeBytes() <= before / 2)
        // Oldest first: what is left is the newest part, the late backlog gone with the oldest.
        let remaining = try await store.eventCount()
        #expect(remaining > 0 && remaining < all.count)
        let oldest = try await store.events(EventQuery(limit: 1, ascending: true)).first?.event.captureTimeMs
        #expect(try #require(oldest) >= all[all.count - remaining])
        #expect(try await store.events(EventQuery(limit: 1)).first?.event.captureTimeMs == all.last)
        #expect(try await store.recentBacklog().events == 0)
        await cleanUp()
    }

    /// Durable at commit: the writer runs synchronous = FULL (2), not GRDB's WAL default NORMAL.
    @Test func sqlite_writerIsSynchronousFull() async throws {
        let dir = try TestPaths.temporaryDirectory("store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteEventStore(path: dir.appendingPathComponent("e.sqlite").path)
        #expect(try await store.writerSynchronousLevel() == 2)
        await store.close()
        // Created with large pages (set before WAL mode fixes the size).
        let pageSize = try ProcessRunner.runTool(
            "/usr/bin/python3", ["-c", "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA page_size').fetchone()[0])", dir.appendingPathComponent("e.sqlite").path])
        #expect(pageSize.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "\(SQLiteEventStore.pageSize)")
    }

    /// The store asks for `synchronous_commit = on` itself, so a database whose default is off
    /// (a DBA's tuning) still gets durable acks.
    @Test func postgres_sessionsCommitSynchronously_evenWhenTheDatabaseDefaultIsOff() async throws {
        let server = try await PostgresServer.shared()
        let database = try server.createDatabase()
        try server.psql("ALTER DATABASE \(database) SET synchronous_commit = off")
        // A generous first-answer bound (as the contract suite's): on a loaded 2-core run 10 s was missed.
        let store = try await PostgresEventStore.open(server.settings(database: database), logger: Logger(label: "test"), timeout: .seconds(60))
        #expect(try await store.synchronousCommit() == "on")
        await store.close()
        try server.psql("DROP DATABASE \(database) WITH (FORCE)")
    }

    /// Several aggregators starting at once against an empty database: one migrates, the others
    /// wait for it and find the schema in place.
    @Test func postgres_concurrentOpens_migrateOnce() async throws {
        let server = try await PostgresServer.shared()
        let database = try server.createDatabase()
        let settings = server.settings(database: database, connections: 2)
        let stores = try await withThrowingTaskGroup(of: PostgresEventStore.self) { group in
            for _ in 0..<4 { group.addTask { try await PostgresEventStore.open(settings, logger: Logger(label: "test"), timeout: .seconds(60)) } }
            return try await group.reduce(into: [PostgresEventStore]()) { $0.append($1) }
        }
        #expect(stores.count == 4)
        #expect(try server.psql("SELECT string_agg(id, ',' ORDER BY id) FROM citywatch_migrations", database: database) == "v1,v2")
        for store in stores { await store.close() }
        try server.psql("DROP DATABASE \(database) WITH (FORCE)")
    }

    @Test func postgres_unreachableServer_isUnavailable() async throws {
        var settings = PostgresSettings(user: "citywatch", database: "none")
        settings.port = try PostgresServer.freePort()
        settings.tls = .disable
        do {
            let store = try await PostgresEventStore.open(settings, logger: Logger(label: "test"), timeout: .seconds(3))
            await store.close()
            Issue.record("opened a store on a port nobody listens on")
        } catch {
            #expect(error.kind == .unavailable)
        }
    }
}
