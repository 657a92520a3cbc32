@testable import EdgeAgent
import Foundation
import Logging
import Shared
import SwiftProtobuf
import Testing
import TestSupport

/// The spool on real files and on a fault-injecting disk: delivery order, acks across restarts,
/// the byte cap's eviction order, torn tails, corrupt records, crashes at random points, full disks.
@Suite struct SpoolTests {
    static let logger = Logger(label: "spool-test")

    static func events(_ count: Int, seed: UInt64 = 1) -> [Event] {
        var c = SyntheticEventGenerator.Configuration()
        c.agentID = "agent-north"
        c.seed = seed
        var generator = SyntheticEventGenerator(configuration: c)
        return generator.next(count: count)
    }

    /// A complete, checksummed format-2 record whose row is not an event the wire accepts (an
    /// empty zone name): read, it counts as corrupt.
    static func invalidRecord(id: UInt64) throws -> [UInt8] {
        var row = Citywatch_Spool_V1_SpoolEvent()
        row.cameraID = "cam-1"
        row.kind = "person"
        row.zone = ""
        let body = try row.serializedBytes() as [UInt8]
        var record: [UInt8] = []
        SpoolRecord.append(id: id, into: &record) { $0.append(SpoolRecord.rowFormat); $0 += body }
        return record
    }

    /// Reads and acks everything, as a shipper would; returns what was delivered.
    static func drain(_ spool: Spool, batch: Int = 50) throws -> [Event] {
        var delivered: [Event] = []
        while true {
            let read = try spool.read(maxEvents: batch)
            if read.events.isEmpty { return delivered }
            delivered += read.events
            spool.ack(through: read.end)
        }
    }

    @Test func deliversDurableEvents_highestSeverityFirst_andAcksSurviveRestarts() throws {
        let dir = try TestPaths.temporaryDirectory("spool")
        defer { try? FileManager.default.removeItem(at: dir) }
        let events = Self.events(2_000)
        var spool = try Spool(storage: PosixSpoolStorage(directory: dir.path), logger: Self.logger)
        try spool.append(events)
        #expect(try spool.read(maxEvents: 10).events.isEmpty)  // not durable yet: nothing to ship
        try spool.sync()

        let first = try spool.read(maxEvents: 700)
        #expect(first.events.count == 700)
        let ranks = first.events.map(\.severity.rank)
        #expect(ranks == ranks.sorted(by: >))  // highest lane first
        spool.ack(through: first.end)
        try spool.sync()  // the ledger is written

        spool = try Spool(storage: PosixSpoolStorage(directory: dir.path), logger: Self.logger)
        #expect(spool.recoveredMaxID == events.map(\.id).max())
        let rest = try Self.drain(spool)
        #expect(rest.count == 1_300)
        #expect(Set((first.events + rest).map(\.id)) == Set(events.map(\.id)))
        #expect(first.events + rest == (first.events + rest).map { e in events.first { $0.id == e.id }! })  // byte-exact events
        for lane in 0..<Spool.lanes {  // within a severity, in append order
            let ids = rest.filter { $0.severity.rank == lane }.map(\.id)
            #expect(ids == ids.sorted())
        }
        try spool.sync()
        #expect(spool.stats.backlogBytes == 0)
    }

    @Test func overTheCap_evictsLowestSeverityOldestFirst_andCountsIt() throws {
        let storage = FaultyStorage(seed: 3)
        var settings = SpoolSettings()
        settings.maxBytes = 64 << 10
        settings.segmentBytes = 4 << 10
        let spool = try Spool(storage: storage, settings: settings, logger: Self.logger)
        let events = Self.events(3_000, seed: 4)
        for chunk in stride(from: 0, to: events.count, by: 100) {
            try spool.append(Array(events[chunk..<min(chunk + 100, events.count)]))
            try spool.sync()
            #expect(spool.stats.bytes <= settings.maxBytes)
        }
        let stats = spool.stats
        #expect(stats.evictedEvents > 0 && stats.unreportedEvictedEvents == stats.evictedEvents)
        let kept = try Self.drain(spool, batch: 10_000)
        #expect(UInt64(kept.count) + stats.evictedEvents == UInt64(events.count))
        // What was evicted is of the lowest severities present: every kept event is at least as
        // severe as some evicted one, and every event of the highest severity is kept.
        let keptIDs = Set(kept.map(\.id))
        let evicted = events.filter { !keptIDs.contains($0.id) }
        let maxEvicted = evicted.map(\.severity.rank).max()!
        #expect(events.filter { $0.severity.rank > maxEvicted }.allSatisfy { keptIDs.contains($0.id) })
        // Within the lane being evicted, the oldest went first.
        let laneKept = kept.filter { $0.severity.rank == maxEvicted }.map(\.id)
        let laneEvicted = evicted.filter { $0.severity.rank == maxEvicted }.map(\.id)
        if let oldestKept = laneKept.min(), let newestEvicted = laneEvicted.max() { #expect(newestEvicted < oldestKept) }
        spool.ack(through: try spool.read(maxEvents: 1).end, reportedEvictions: stats.evictedEvents)
        #expect(spool.stats.unreportedEvictedEvents == 0)
    }

    /// Eviction under records the shipper has read but not yet had acked: they are not lost (the
    /// shipper holds them), so they are not counted as evicted when their ack comes; if the
    /// process ends first, the next start counts them.
    @Test(arguments: [true, false])
    func evictionUnderInFlightRecords_countsThemOnlyIfTheyAreNeverAcked(acked: Bool) throws {
        let dir = try TestPaths.temporaryDirectory("spool-inflight")
        defer { try? FileManager.default.removeItem(at: dir) }
        var settings = SpoolSettings()
        settings.maxBytes = 64 << 10
        settings.segmentBytes = 4 << 10
        let events = Self.events(3_000, seed: 6).map { var e = $0; e.severity = .low; return e }
        var spool = try Spool(storage: PosixSpoolStorage(directory: dir.path), settings: settings, logger: Self.logger)
        // In chunks of 50 (about 8 KiB): what waits for a commit is held to a quarter of the cap.
        for chunk in stride(from: 0, to: 100, by: 50) {
            try spool.append(Array(events[chunk..<chunk + 50]))
            try spool.sync()
        }
        #expect(spool.stats.evictedEvents == 0)
        let inFlight = try spool.read(maxEvents: 60)  // sent, not acked yet
        #expect(inFlight.events.count == 60)
        for chunk in stride(from: 100, to: events.count, by: 50) {
            try spool.append(Array(events[chunk..<chunk + 50]))
            try spool.sync()
        }
        let duringFlight = spool.stats
        #expect(duringFlight.inFlightEvictedEvents == 60, "the first segments, read and unacked, were evicted")
        #expect(duringFlight.evictedEvents > 0)
        if acked {
            spool.ack(through: inFlight.end)
            try spool.sync()
            #expect(spool.stats.inFlightEvictedEvents == 0)
            #expect(spool.stats.evictedEvents == duringFlight.evictedEvents, "delivered, so not evicted")
        }
        // A restart: what was in flight and never acked is lost now.
        spool = try Spool(storage: PosixSpoolStorage(directory: dir.path), settings: settings, logger: Self.logger)
        let stats = spool.stats
        #expect(stats.evictedEvents == duringFlight.evictedEvents + (acked ? 0 : 60))
        #expect(stats.inFlightEvictedEvents == 0)
        let rest = try Self.drain(spool, batch: 10_000)
        // Conservation: delivered (acked in flight, then the rest) + evicted = appended.
        #expect(UInt64((acked ? 60 : 0) + rest.count) + stats.evictedEvents == UInt64(events.count))
        #expect(Set(rest.map(\.id)).isDisjoint(with: inFlight.events.map(\.id)))
    }

    /// Record format 2 (a protobuf row) keeps every field of an event; a spool that an older agent
    /// left in format 1 (one-event wire batches) is read on, in order, with new records after it;
    /// a format-2 record holding an event the wire would refuse counts as corrupt and is skipped
    /// alone (not shipped, where it would fail its whole batch).
    @Test func bothRecordFormats_readBackExactly_inOrder() throws {
        let dir = try TestPaths.temporaryDirectory("spool")
        defer { try? FileManager.default.removeItem(at: dir) }
        var full = Event(
            id: 900, lifecycleID: 880, cameraID: "cam-7", kind: "vehicle_stopped", phase: .update, captureTimeMs: 1_800_000_000_123,
            agentTimeMs: 1_800_000_000_100, trackID: 42, box: BoundingBox(xUnits: 10, yUnits: 9_000, widthUnits: 500, heightUnits: 1_000),
            zone: "lane-2", confidence: Confidence(permille: 873), severity: .high,
            attributes: ["dwell_s": .double(12.25), "count": .int(-3), "lit": .bool(true), "plate": .string("沪A·12345"), "tiny": .double(1e-300)],
            snapshot: "snap/cam-7/900.png")
        let bare = Event(id: 901, cameraID: "cam-8", kind: "person", captureTimeMs: 5, confidence: Confidence(permille: 0), severity: .high)
        let old = Self.events(30, seed: 3).map { var e = $0; e.severity = .high; return e }
        var bytes: [UInt8] = []
        for e in old { SpoolRecord.frameFormat1(e, into: &bytes) }
        try Data(bytes).write(to: dir.appendingPathComponent(Spool.segmentName(lane: Severity.high.rank, index: 0)))

        let spool = try Spool(storage: PosixSpoolStorage(directory: dir.path), logger: Self.logger)
        #expect(spool.recoveredMaxID == old.map(\.id).max())
        full.id = old.map(\.id).max()! + 1
        full.lifecycleID = full.id - 20
        var broken = bare
        broken.id = full.id + 1
        var bareNext = bare
        bareNext.id = full.id + 2
        bareNext.lifecycleID = bareNext.id
        try spool.append([full, broken, bareNext])
        try spool.sync()
        // Make the middle record (format 2) carry an empty zone name: complete and checksummed, a
        // well-formed row, but an event the aggregator would refuse (as format 1's decoder did).
        let path = dir.appendingPathComponent(Spool.segmentName(lane: Severity.high.rank, index: 0)).path
        var segment = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let records = SpoolRecord.scan(segment, from: 0).records
        #expect(records.count == 33)
        let middle = records[31].payload
        segment.replaceSubrange(records[31].offset..<middle.upperBound, with: try Self.invalidRecord(id: SpoolRecord.id(ofPayload: segment[middle])))
        try Data(segment).write(to: URL(fileURLWithPath: path))

        let reopened = try Spool(storage: PosixSpoolStorage(directory: dir.path), logger: Self.logger)
        let delivered = try Self.drain(reopened)
        #expect(delivered == old + [full, bareNext])
        #expect(delivered.dropFirst(30).first?.attributes["plate"] == .string("沪A·12345"))
        #expect(reopened.stats.corruptRecords == 1)
    }

    /// A commit writes no ledger just because the highest id rose (the segments hold it), but the
    /// ledger records it before a segment is evicted: a crash at any point of a commit that evicts
    /// the only segment holding the highest committed id still recovers that id, so no id is ever
    /// handed out twice (the aggregator would drop the second event as a duplicate).
    @Test func theHighestCommittedID_survivesItsSegmentsEviction_atEveryCrashPoint() throws {
        var settings = SpoolSettings()
        settings.maxBytes = 64 << 10
        let critical = Self.events(550, seed: 8).map { var e = $0; e.severity = .critical; return e }
        var highest = Self.events(1, seed: 9)[0]
        highest.severity = .info
        highest.id = 1_000_000
        highest.lifecycleID = highest.id
        let crashFree = FaultyStorage(seed: 1)
        func prepare(_ storage: FaultyStorage) throws -> Spool {
            let spool = try Spool(storage: storage, settings: settings, logger: Self.logger)
            for chunk in stride(from: 0, to: 450, by: 50) {  // just under the cap in critical events
                try spool.append(Array(critical[chunk..<chunk + 50]))
                try spool.sync()
            }
            try spool.append([highest])  // lane 0 (info): its own segment
            try spool.sync()
            return spool
        }
        let spool = try prepare(crashFree)
        #expect(!crashFree.directory.keys.contains(SpoolLedger.fileName), "no ledger written for commits alone")
        let before = crashFree.operations
        try spool.append(Array(critical[450...]))  // over the cap: lane 0's segment is evicted first
        try spool.sync()
        #expect(!crashFree.directory.keys.contains(Spool.segmentName(lane: 0, index: 0)))
        let operations = crashFree.operations - before

        for point in 1...operations {
            let storage = FaultyStorage(seed: UInt64(point))
            let spool = try prepare(storage)
            storage.crashAt = storage.operations + point
            try? spool.append(Array(critical[450...]))
            #expect(throws: (any Error).self) { try spool.sync() }
            let recovered = try Spool(storage: storage.afterCrash(), settings: settings, logger: Self.logger)
            #expect(recovered.recoveredMaxID == highest.id, "crash at operation \(point) of \(operations)")
        }

        // After a restart the ledger is behind the segments (commits did not write it): a cap
        // lowered at that restart evicts the highest id's segment in the first commit, before any
        // new event; a crash anywhere in it still recovers the id.
        var lowered = settings
        lowered.maxBytes = 48 << 10
        for point in 1...40 {
            let storage = FaultyStorage(seed: UInt64(1_000 + point))
            _ = try prepare(storage)
            let restarted = try Spool(storage: storage.afterCrash(), settings: lowered, logger: Self.logger)
            #expect(restarted.recoveredMaxID == highest.id)
            let disk = storage.afterCrash()
            let again = try Spool(storage: disk, settings: lowered, logger: Self.logger)
            disk.crashAt = disk.operations + point
            _ = try? again.sync()
            let recovered = try Spool(storage: disk.afterCrash(), settings: lowered, logger: Self.logger)
            #expect(recovered.recoveredMaxID == highest.id, "restart, then a crash at operation \(point) of the evicting commit")
        }
    }

    /// A read checksums only as many records as it returns, so reads of any size, with a rotten
    /// record (bad checksum) or an invalid one (good checksum, not an event) anywhere among them,
    /// still deliver every other record once and in order.
    @Test(arguments: [false, true])
    func smallReads_deliverEveryIntactRecord_aroundABadOne(checksumGood: Bool) throws {
        for rotten in [0, 3, 9] {
            for batch in 1...4 {
                let dir = try TestPaths.temporaryDirectory("spool")
                defer { try? FileManager.default.removeItem(at: dir) }
                let events = Self.events(10, seed: 21).map { var e = $0; e.severity = .high; return e }
                do {
                    let spool = try Spool(storage: PosixSpoolStorage(directory: dir.path), logger: Self.logger)
                    try spool.append(events)
                    try spool.sync()
                }
                let path = dir.appendingPathComponent(Spool.segmentName(lane: Severity.high.rank, index: 0)).path
                var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
                let record = SpoolRecord.scan(bytes, from: 0).records[rotten]
                if checksumGood {
                    let id = SpoolRecord.id(ofPayload: bytes[record.payload])
                    bytes.replaceSubrange(record.offset..<record.payload.upperBound, with: try Self.invalidRecord(id: id))
                } else {
                    bytes[record.payload.lowerBound + 10] ^= 0xFF
                }
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                let spool = try Spool(storage: PosixSpoolStorage(directory: dir.path), logger: Self.logger)
                let delivered = try Self.drain(spool, batch: batch)
                var expected = events
                expected.remove(at: rotten)  // the last one rotten is a torn tail, cut at start
                #expect(delivered.map(\.id) == expected.map(\.id), "record \(rotten) bad, reads of \(batch)")
                #expect(delivered == expected)
            }
        }
    }

    @Test func tornTailsAreTruncated_andCorruptRecordsSkipped_onRealFiles() throws {
        let dir = try TestPaths.temporaryDirectory("spool")
        defer { try? FileManager.default.removeItem(at: dir) }
        var settings = SpoolSettings()
        settings.segmentBytes = 16 << 10
        let events = Self.events(600, seed: 5).map { var e = $0; e.severity = .high; return e }
        var spool: Spool? = try Spool(storage: PosixSpoolStorage(directory: dir.path), settings: settings, logger: Self.logger)
        for chunk in stride(from: 0, to: 600, by: 50) {
            try spool!.append(Array(events[chunk..<chunk + 50]))
            try spool!.sync()
        }
        spool = nil
        let segments = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".seg") }.sorted()
        #expect(segments.count >= 3)
        // Rot in the middle of the first segment: one record's payload byte flipped.
        let firstPath = dir.appendingPathComponent(segments[0]).path
        var first = try [UInt8](Data(contentsOf: URL(fileURLWithPath: firstPath)))
        first[SpoolRecord.headerBytes + 20] ^= 0xFF
        try Data(first).write(to: URL(fileURLWithPath: firstPath))
        // A torn write at the end of the last one.
        let last = try FileHandle(forWritingTo: dir.appendingPathComponent(segments.last!))
        try last.seekToEnd()
        try last.write(contentsOf: Data([40, 0, 0, 0, 1, 2, 3]))
        try last.close()

        spool = try Spool(storage: PosixSpoolStorage(directory: dir.path), settings: settings, logger: Self.logger)
        let delivered = try Self.drain(spool!)
        #expect(delivered.count == 599)
        #expect(delivered.map(\.id) == events.dropFirst().map(\.id))
        // Appending after recovery continues cleanly after the truncated tail.
        try spool!.append(Self.events(1, seed: 99).map { var e = $0; e.id = 1_000_000; e.lifecycleID = 1_000_000; return e })
        try spool!.sync()
        let after = try spool!.read(maxEvents: 10)
        #expect(after.events.map(\.id) == [1_000_000], "\(after)")
    }

    /// Hundreds of crashes at random points of random workloads: every event whose `sync`
    /// returned is delivered after recovery, unless its ack was made durable; nothing is delivered
    /// twice within a life, nothing invented, and each lane keeps its order.
    @Test func randomCrashPoints_loseNothingDurable_andInventNothing() throws {
        var failures: [String] = []
        for trial in 0..<600 where failures.count < 3 {
            var random = SplitMix64(seed: UInt64(trial) &* 7919 &+ 1)
            let storage = FaultyStorage(seed: random.next())
            storage.crashAt = Int.random(in: 1...400, using: &random)
            var settings = SpoolSettings()
            settings.segmentBytes = Int.random(in: 1...4, using: &random) * 2048
            let all = Self.events(400, seed: UInt64(trial) + 1)
            var durable = Set<UInt64>(), ackedDurably = Set<UInt64>(), acked = Set<UInt64>(), appended = Set<UInt64>()
            var next = 0
            do {
                let spool = try Spool(storage: storage, settings: settings, logger: Self.logger)
                var cursor: Spool.Cursor?
                var readSoFar = Set<UInt64>()
                var unsynced: [UInt64] = []
                while next < all.count {
                    switch Int.random(in: 0..<4, using: &random) {
                    case 0, 1:
                        let chunk = Array(all[next..<min(all.count, next + Int.random(in: 1...30, using: &random))])
                        next += chunk.count
                        try spool.append(chunk)
                        appended.formUnion(chunk.map(\.id))
                        unsynced += chunk.map(\.id)
                    case 2:
                        let ackedBefore = acked
                        try spool.sync()
                        durable.formUnion(unsynced)
                        unsynced = []
                        ackedDurably.formUnion(ackedBefore)
                    default:
                        let read = try spool.read(after: cursor, maxEvents: Int.random(in: 1...40, using: &random))
                        cursor = read.end
                        readSoFar.formUnion(read.events.map(\.id))
                        if Bool.random(using: &random) {
                            // Acks everything before the cursor: all this life has read so far.
                            spool.ack(through: read.end)
                            acked.formUnion(readSoFar)
                        }
                    }
                }
            } catch is FaultyStorage.Crash {
            } catch {
                failures.append("trial \(trial): unexpected \(error)")
                continue
            }
            let recovered: Spool
            do {
                recovered = try Spool(storage: storage.afterCrash(), settings: settings, logger: Self.logger)
            } catch {
                failures.append("trial \(trial): recovery threw \(error)")
                continue
            }
            let delivered = try Self.drain(recovered, batch: 37)
            let ids = delivered.map(\.id)
            let missing = durable.subtracting(ackedDurably).subtracting(acked).subtracting(ids)
            if !missing.isEmpty {
                let byLane = Dictionary(grouping: all.filter { missing.contains($0.id) }, by: \.severity.rank).mapValues { $0.map(\.id).sorted() }
                failures.append("trial \(trial): lost \(missing.count) durable events \(byLane.mapValues { "\($0.first!)...\($0.last!) n=\($0.count)" }); delivered \(ids.count); files \(storage.directory.keys.sorted()) ops \(storage.operations)")
            }
            if Set(ids).count != ids.count { failures.append("trial \(trial): duplicates after recovery") }
            if !Set(ids).isSubset(of: appended) { failures.append("trial \(trial): invented events") }
            for lane in 0..<Spool.lanes {
                let laneIDs = delivered.filter { $0.severity.rank == lane }.map(\.id)
                if laneIDs != laneIDs.sorted() { failures.append("trial \(trial): lane \(lane) out of order") }
            }
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    /// An I/O error after the bytes were written: the commit fails (nothing reported durable), the
    /// partial data is cut off, and the next commit writes it once, at true offsets.
    @Test func failedFsync_isRetried_withoutDuplicatesOrMisalignedRecords() throws {
        let storage = FaultyStorage(seed: 12)
        let spool = try Spool(storage: storage, logger: Self.logger)
        let events = Self.events(300, seed: 13)
        try spool.append(Array(events[0..<100]))
        #expect(try spool.sync().count == 100)
        try spool.append(Array(events[100..<200]))
        storage.failNextSync = true
        #expect(throws: SpoolIOError.self) { try spool.sync() }
        try spool.append(Array(events[200..<300]))
        #expect(try spool.sync().count == 200)
        let delivered = try Self.drain(spool)
        #expect(delivered.count == 300 && Set(delivered.map(\.id)) == Set(events.map(\.id)))
        // And after a restart on the same disk, still each once.
        let reopened = try Spool(storage: storage.afterCrash(), logger: Self.logger)
        #expect(reopened.recoveredMaxID == events.map(\.id).max())
    }

    @Test func fullDisk_evictsAndKeepsRunning() throws {
        let storage = FaultyStorage(seed: 8)
        storage.capacity = 48 << 10
        var settings = SpoolSettings()
        settings.segmentBytes = 4 << 10
        let spool = try Spool(storage: storage, settings: settings, logger: Self.logger)
        let events = Self.events(2_000, seed: 9)
        for chunk in stride(from: 0, to: events.count, by: 50) {
            try spool.append(Array(events[chunk..<chunk + 50]))
            try spool.sync()  // never throws for a full disk
            #expect(storage.usedBytes <= storage.capacity)
        }
        let kept = try Self.drain(spool, batch: 5_000)
        #expect(spool.stats.evictedEvents > 0)
        #expect(UInt64(kept.count) + spool.stats.evictedEvents == 2_000)
    }
}
