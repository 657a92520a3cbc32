@testable import Aggregator
import Foundation
import Logging
import Shared
import Testing
import TestSupport

/// The SQLite store on a real file: idempotent commits, queries, retention by age and size.
@Suite struct SQLiteEventStoreTests {
    func batch(_ generator: inout SyntheticEventGenerator, seq: UInt64, count: Int) -> IngestedBatch {
        let events = generator.next(count: count)
        return IngestedBatch(
            agentID: "agent-1", batchSeq: seq, receivedAtMs: 1, events: events, districts: events.map { _ in "north" },
            evicted: EvictionReport(), agentVersion: "test")
    }

    @Test func commits_areIdempotent_andQueriesFilter() async throws {
        let dir = try TestPaths.temporaryDirectory("store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteEventStore(path: dir.appendingPathComponent("e.sqlite").path)
        var generator = SyntheticEventGenerator(configuration: { var c = SyntheticEventGenerator.Configuration(); c.agentID = "agent-1"; return c }())
        let first = batch(&generator, seq: 1, count: 100)
        #expect(try await store.commit(first) == .committed(storedEvents: 100, committedSeq: 1))
        #expect(try await store.commit(first) == .duplicate(committedSeq: 1))
        // Out of order and with a gap: both accepted, the committed sequence is the highest.
        let third = batch(&generator, seq: 3, count: 10)
        #expect(try await store.commit(third) == .committed(storedEvents: 10, committedSeq: 3))
        var second = batch(&generator, seq: 2, count: 10)
        second.events.append(first.events[0])  // an event already stored under batch 1
        second.districts.append("north")
        #expect(try await store.commit(second) == .committed(storedEvents: 10, committedSeq: 3))
        #expect(try await store.eventCount() == 120)
        // Durable at commit: the writer runs synchronous = FULL (2), not GRDB's WAL default NORMAL.
        #expect(try await store.writerSynchronousLevel() == 2)
        #expect(try await store.committedSequence(agent: "agent-1") == 3)
        #expect(try await store.committedSequence(agent: "nobody") == nil)

        let kind = first.events[0].kind
        let ofKind = try await store.events(EventQuery(kind: kind.rawValue, limit: 1000))
        #expect(!ofKind.isEmpty && ofKind.allSatisfy { $0.event.kind == kind })
        let all = first.events + second.events.dropLast() + third.events
        #expect(ofKind.count == all.filter { $0.kind == kind }.count)
        let newest = try await store.events(EventQuery(limit: 5))
        #expect(newest.map(\.event.captureTimeMs) == all.map(\.captureTimeMs).sorted(by: >).prefix(5).map { $0 })
        await store.close()
    }

    @Test func retention_deletesByAgeThenBySize() async throws {
        let dir = try TestPaths.temporaryDirectory("store")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteEventStore(path: dir.appendingPathComponent("e.sqlite").path)
        var generator = SyntheticEventGenerator(configuration: { var c = SyntheticEventGenerator.Configuration(); c.agentID = "agent-1"; return c }())
        var batches: [IngestedBatch] = []
        for seq in 1...20 {
            batches.append(batch(&generator, seq: UInt64(seq), count: 500))
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
        let leftOfFirst = left.filter { $0.batchSeq == 1 }.count
        #expect(try await store.commit(batches[0]) == .committed(storedEvents: 500 - leftOfFirst, committedSeq: 20))
        _ = try await store.deleteEvents(capturedBefore: median, limit: 10_000)

        let before = try await store.sizeBytes()
        settings.maxBytes = before / 2
        let shrinking = RetentionService(store: store, settings: settings, now: { cutoffNow }, logger: Logger(label: "test"))
        #expect(await shrinking.sweep() > 0)
        #expect(try await store.sizeBytes() <= before / 2)
        // Oldest first: what is left is the newest part.
        let remaining = try await store.events(EventQuery(limit: 10_000)).map(\.event.captureTimeMs)
        #expect(remaining.min()! >= left.map(\.event.captureTimeMs).min()!)
        #expect(remaining.max() == all.last)
        await store.close()
    }
}
