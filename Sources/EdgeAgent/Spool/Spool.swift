import Foundation
import Logging
import Shared
import Synchronization

/// A durable, bounded, on-disk queue of events between detection and shipping
/// (docs/SPOOL.md). One append-only segmented log per severity (a lane), so that eviction under
/// the byte cap takes the lowest severity, oldest first, by deleting whole segments.
///
/// - `append` buffers; `sync` writes and fsyncs (group commit; with `.always` every append syncs).
///   Only synced records are readable: what is shipped has survived a crash on the agent's side.
/// - `read(after:)` returns events from the highest lane down, and a cursor; `ack(through:)`
///   marks everything before a cursor as delivered. The ledger with acked positions is written
///   before acked segments are deleted.
/// - Recovery truncates a torn tail, skips and counts corrupt records, and never refuses to start
///   nor wipes what is there.
package final class Spool: Sendable {
    package static let lanes = Severity.allCases.count

    private let state: Mutex<State>
    private let logger: Logger
    package let settings: SpoolSettings
    /// The highest event id found on disk at start (ids of new events must be above it).
    package let recoveredMaxID: UInt64

    package struct Cursor: Hashable, Sendable {
        package var positions: [SpoolPosition]
    }

    package struct Read: Sendable {
        package var events: [Event]
        package var end: Cursor
    }

    package struct Stats: Sendable, Hashable {
        package var bytes: Int
        package var backlogBytes: Int
        package var segments: Int
        package var evictedEvents: UInt64
        package var unreportedEvictedEvents: UInt64
        package var corruptRecords: UInt64
        /// Events of evicted segments that the shipper still holds unacked (not lost yet).
        package var inFlightEvictedEvents: UInt64 = 0
    }

    struct Lane {
        /// Segment index → durable size, for every segment file of the lane.
        var sizes: [Int: Int] = [:]
        /// The segment appends go to.
        var tail = 0
        var pending: [UInt8] = []
        /// The last segment read for shipping (segments are immutable below their durable size).
        var cache: (segment: Int, bytes: [UInt8])?
    }

    struct State: ~Copyable {
        let storage: any SpoolStorage
        var lanes: [Lane]
        var ledger: SpoolLedger
        var ledgerDirty = false
        /// `ledger.maxEventID` rose since the ledger was last written. The segments hold those ids,
        /// so the ledger needs them only before a segment is deleted (`persistLedger` comes first
        /// there): writing it at every commit cost three more fsyncs per commit, which with
        /// `commit: always` is per event.
        var maxIDUnpersisted = false
        /// Ids of the events appended since the last commit (returned by `sync`).
        var pendingIDs: [UInt64] = []
        /// Segments created whose directory entry is not yet fsynced.
        var unsyncedEntries: Set<String> = []
        /// Successful commits so far (a caller that appended waits for this to move twice).
        var commits: UInt64 = 0
        /// Per lane: the acked position whose first event's capture time is known, and that time.
        var oldestCache: [Int: (position: SpoolPosition, captureMs: Int64)] = [:]
        /// Per lane: the furthest position handed to the shipper (what lies between the acked
        /// position and this is in flight).
        var sent: [SpoolPosition]
        /// Per lane: evicted segments that held in-flight records, with those records' end offsets.
        var inFlightEvicted: [[(segment: Int, recordEnds: [Int])]]
    }

    static func segmentName(lane: Int, index: Int) -> String {
        let digits = String(index)
        return "lane\(lane)-" + String(repeating: "0", count: max(0, 10 - digits.count)) + digits + ".seg"
    }

    static func parseSegment(_ name: String) -> (lane: Int, index: Int)? {
        guard name.hasPrefix("lane"), name.hasSuffix(".seg") else { return nil }
        let parts = name.dropFirst(4).dropLast(4).split(separator: "-")
        guard parts.count == 2, let lane = Int(parts[0]), let index = Int(parts[1]), (0..<lanes).contains(lane) else { return nil }
        return (lane, index)
    }

    /// Opens (recovering) the spool kept in `storage`.
    package init(storage: sending any SpoolStorage, settings: SpoolSettings = SpoolSettings(), logger: Logger) throws {
        self.settings = settings
        self.logger = logger
        let names = try storage.list()
        for name in names where name.hasSuffix(".tmp") { try storage.remove(name) }
        var ledger = SpoolLedger(lanes: Self.lanes)
        if names.contains(SpoolLedger.fileName) {
            if let read = SpoolLedger.decode(try storage.read(SpoolLedger.fileName), lanes: Self.lanes) {
                ledger = read
            } else {
                logger.error("spool ledger unreadable: starting from the oldest segments (the aggregator drops what it already has)")
            }
        }
        var lanes = Array(repeating: Lane(), count: Self.lanes)
        var maxID: UInt64 = 0
        for name in names {
            guard let (lane, index) = Self.parseSegment(name) else { continue }
            lanes[lane].sizes[index] = try storage.size(name)
        }
        for lane in 0..<Self.lanes {
            let indices = lanes[lane].sizes.keys.sorted()
            guard let last = indices.last else {
                // Never reuse a segment index the ledger points inside (its file may have been
                // evicted just before a crash).
                let acked = ledger.acked[lane]
                lanes[lane].tail = acked.offset > 0 ? acked.segment + 1 : acked.segment
                continue
            }
            lanes[lane].tail = last
            // The tail may end in a torn write: keep the intact prefix. The newest id is in the
            // tail or, when the tail is empty, in the segment before it.
            for index in indices.suffix(2).reversed() {
                let name = Self.segmentName(lane: lane, index: index)
                let bytes = try storage.read(name)
                let scan = SpoolRecord.scan(bytes, from: 0)
                if index == last {
                    if scan.tornTail {
                        logger.warning("spool: torn tail truncated", metadata: ["segment": "\(name)", "bytes": "\(scan.fileLength - scan.validEnd)"])
                        try storage.truncate(name, to: scan.validEnd)
                        try storage.sync(name)
                    }
                    lanes[lane].sizes[index] = scan.validEnd
                }
                ledger.corruptRecords += UInt64(scan.corrupt)
                // Cameras append concurrently, so the last record is not always the highest id.
                if !scan.records.isEmpty {
                    maxID = max(maxID, scan.records.map { SpoolRecord.id(ofPayload: bytes[$0.payload]) }.max() ?? 0)
                    break
                }
            }
        }
        recoveredMaxID = max(maxID, ledger.maxEventID ?? 0)
        // The ledger is written lazily for the highest id (commits do not rewrite it), so it is
        // usually behind the segments here: take the segments' answer, and write it before any
        // segment goes, as for ids committed in this life.
        let maxIDUnpersisted = recoveredMaxID > (ledger.maxEventID ?? 0)
        if recoveredMaxID > 0 { ledger.maxEventID = recoveredMaxID }
        // Events evicted while in flight died with the previous process's unacked batches.
        var ledgerDirty = false
        if let inFlight = ledger.inFlightEvictedEvents, inFlight > 0 {
            ledger.evictedEvents += inFlight
            ledger.inFlightEvictedEvents = 0
            ledgerDirty = true
        }
        state = Mutex(State(
            storage: storage, lanes: lanes, ledger: ledger, ledgerDirty: ledgerDirty, maxIDUnpersisted: maxIDUnpersisted,
            sent: ledger.acked, inFlightEvicted: Array(repeating: [], count: Self.lanes)))
    }

    /// Buffers events (durable at the next `sync`, or now with `.always`).
    package func append(_ events: [Event]) throws {
        state.withLock { state in
            for event in events {
                SpoolRecord.frame(event, into: &state.lanes[event.severity.rank].pending)
                state.pendingIDs.append(event.id)
            }
            // While commits fail (a broken disk), what waits in memory stays bounded: a quarter
            // of the cap, the lowest severity dropped (and counted) first.
            var pendingBytes = state.lanes.reduce(0) { $0 + $1.pending.count }
            var lane = 0
            while pendingBytes > settings.maxBytes / 4, lane < Self.lanes {
                let dropped = state.lanes[lane].pending
                if !dropped.isEmpty {
                    state.ledger.evictedEvents += UInt64(SpoolRecord.scan(dropped, from: 0).records.count)
                    state.ledger.evictedBytes += UInt64(dropped.count)
                    state.ledgerDirty = true
                    state.lanes[lane].pending = []
                    pendingBytes -= dropped.count
                }
                lane += 1
            }
        }
        if settings.commit == .always { try sync() }
    }

    /// Group commit: writes and fsyncs what was appended, persists the ledger when acks moved,
    /// deletes acked segments, and evicts while over the byte cap. A full disk evicts and retries
    /// once; what still cannot be written is counted as evicted, never thrown at the caller.
    /// Returns the ids of the events this commit made durable (or counted as evicted).
    @discardableResult
    package func sync() throws -> [UInt64] {
        try state.withLock { state in
            let committed = state.pendingIDs
            state.pendingIDs = []
            var failure: (any Error)?
            for lane in (0..<Self.lanes).reversed() where !state.lanes[lane].pending.isEmpty {
                do { try write(lane: lane, &state) } catch { failure = failure ?? error }
            }
            if let failure {
                // What failed stays pending (retried at the next commit); ids are not reported durable.
                state.pendingIDs = committed + state.pendingIDs
                throw failure
            }
            if let highest = committed.max(), highest > state.ledger.maxEventID ?? 0 {
                state.ledger.maxEventID = highest
                state.maxIDUnpersisted = true
            }
            if state.ledgerDirty {
                try persistLedger(&state)
                try deleteAcked(&state)
            }
            var evicted = false
            while total(state) > settings.maxBytes, try evictOne(&state) { evicted = true }
            if evicted || state.ledgerDirty { try persistLedger(&state) }
            state.commits &+= 1
            return committed
        }
    }

    private func write(lane: Int, _ state: inout State) throws {
        let segmentBytes = settings.effectiveSegmentBytes
        let size = state.lanes[lane].sizes[state.lanes[lane].tail] ?? 0
        if size > 0, size + state.lanes[lane].pending.count > segmentBytes {
            advanceTail(lane: lane, &state)
        }
        let tail = state.lanes[lane].tail
        let name = Self.segmentName(lane: lane, index: tail)
        let bytes = state.lanes[lane].pending
        for attempt in 0..<2 {
            let before = state.lanes[lane].sizes[tail] ?? 0
            if state.lanes[lane].sizes[tail] == nil { state.unsyncedEntries.insert(name) }
            state.lanes[lane].sizes[tail] = before
            do {
                try state.storage.append(name, bytes)
                try state.storage.sync(name)
                if !state.unsyncedEntries.isEmpty {
                    try state.storage.syncDirectory()
                    state.unsyncedEntries = []
                }
                state.lanes[lane].sizes[tail] = before + bytes.count
                state.lanes[lane].pending = []
                return
            } catch {
                // Whatever part reached the file is cut off, so offsets stay true; if even that
                // fails, later records go to a new segment.
                do { try state.storage.truncate(name, to: before) } catch { advanceTail(lane: lane, &state) }
                guard let io = error as? SpoolIOError, io.isDiskFull else { throw error }
                if attempt == 0, try evictOne(&state, sparing: (lane, tail)) { continue }
                let dropped = SpoolRecord.scan(bytes, from: 0).records.count
                state.ledger.evictedEvents += UInt64(dropped)
                state.ledger.evictedBytes += UInt64(bytes.count)
                state.ledgerDirty = true
                state.lanes[lane].pending = []
                logger.error("spool: disk full, events dropped", metadata: ["events": "\(dropped)", "lane": "\(lane)"])
                return
            }
        }
    }

    /// Appends go to a new segment from now on; the old one is closed for good.
    private func advanceTail(lane: Int, _ state: inout State) {
        state.storage.finish(Self.segmentName(lane: lane, index: state.lanes[lane].tail))
        state.lanes[lane].tail += 1
    }

    private func total(_ state: borrowing State) -> Int {
        state.lanes.reduce(0) { $0 + $1.sizes.values.reduce(0, +) }
    }

    private func persistLedger(_ state: inout State) throws {
        try state.storage.replace(SpoolLedger.fileName, with: state.ledger.encoded())
        try state.storage.syncDirectory()
        state.ledgerDirty = false
        state.maxIDUnpersisted = false
    }

    /// Removes segments wholly before each lane's acked position (the ledger saying so is durable).
    private func deleteAcked(_ state: inout State) throws {
        for lane in 0..<Self.lanes {
            let acked = state.ledger.acked[lane]
            for (index, size) in state.lanes[lane].sizes where index != state.lanes[lane].tail
                && (index < acked.segment || (index == acked.segment && acked.offset >= size))
            {
                try state.storage.remove(Self.segmentName(lane: lane, index: index))
                state.lanes[lane].sizes[index] = nil
            }
        }
    }

    /// Deletes the oldest segment of the lowest lane that has one, counting its undelivered
    /// events as evicted. Returns false when there is nothing left to evict.
    private func evictOne(_ state: inout State, sparing: (lane: Int, index: Int)? = nil) throws -> Bool {
        // The segment may hold the highest id yet: the ledger keeps it before the file goes. On a
        // full disk the ledger cannot be rewritten until something is deleted: then it is written
        // right after the deletion (`persistAfterEviction`), so a crash between the two is the
        // only window in which the highest id could be forgotten (docs/SPOOL.md, "Known limits").
        var persistAfterEviction = false
        if state.maxIDUnpersisted {
            do { try persistLedger(&state) } catch let error as SpoolIOError where error.isDiskFull { persistAfterEviction = true }
        }
        defer { if persistAfterEviction { try? persistLedger(&state) } }
        for lane in 0..<Self.lanes {
            guard let index = state.lanes[lane].sizes.keys.filter({ !(lane == sparing?.lane && $0 == sparing?.index) }).min() else { continue }
            let name = Self.segmentName(lane: lane, index: index)
            let size = state.lanes[lane].sizes[index] ?? 0
            let acked = state.ledger.acked[lane]
            var lost = 0
            if index >= acked.segment, size > 0 {
                let bytes = try state.storage.read(name)
                let records = SpoolRecord.scan(bytes, from: index == acked.segment ? acked.offset : 0, limit: size).records
                // Records already handed to the shipper are not lost: it holds them until acked.
                let sent = state.sent[lane]
                let inFlight = records.filter { index < sent.segment || (index == sent.segment && $0.payload.upperBound <= sent.offset) }
                lost = records.count - inFlight.count
                if !inFlight.isEmpty {
                    state.inFlightEvicted[lane].append((index, inFlight.map(\.payload.upperBound)))
                    state.ledger.inFlightEvictedEvents = (state.ledger.inFlightEvictedEvents ?? 0) + UInt64(inFlight.count)
                }
            }
            try state.storage.remove(name)
            state.lanes[lane].sizes[index] = nil
            if state.lanes[lane].cache?.segment == index { state.lanes[lane].cache = nil }
            if index == state.lanes[lane].tail { advanceTail(lane: lane, &state) }
            if acked.segment <= index {
                state.ledger.acked[lane] = SpoolPosition(segment: index + 1, offset: 0)
            }
            state.ledger.evictedEvents += UInt64(lost)
            state.ledger.evictedBytes += UInt64(size)
            state.ledgerDirty = true
            if lost > 0 {
                logger.warning("spool full: evicted a segment", metadata: ["lane": "\(Severity.allCases[lane].rawValue)", "events": "\(lost)"])
            }
            return true
        }
        return false
    }

    /// Durable events after `cursor` (after the acked positions when nil), highest severity first,
    /// at most `maxEvents` and about `maxBytes` of records.
    package func read(after cursor: Cursor? = nil, maxEvents: Int, maxBytes: Int = 1 << 20) throws -> Read {
        try state.withLock { state in
            var positions = (0..<Self.lanes).map { lane in max(cursor?.positions[lane] ?? state.ledger.acked[lane], state.ledger.acked[lane]) }
            var events: [Event] = []
            var bytes = 0
            var decoder: BatchDecoder?
            for lane in (0..<Self.lanes).reversed() {
                let indices = state.lanes[lane].sizes.keys.filter { $0 >= positions[lane].segment }.sorted()
                for index in indices {
                    guard events.count < maxEvents, bytes < maxBytes else { break }
                    let size = state.lanes[lane].sizes[index] ?? 0
                    var offset = positions[lane].segment == index ? positions[lane].offset : 0
                    guard offset < size else {
                        positions[lane] = SpoolPosition(segment: index, offset: size)
                        continue
                    }
                    if state.lanes[lane].cache?.segment != index || state.lanes[lane].cache!.bytes.count < size {
                        state.lanes[lane].cache = (index, try state.storage.read(Self.segmentName(lane: lane, index: index)))
                    }
                    let content = state.lanes[lane].cache!.bytes
                    // Scanned in steps of what is still wanted; a record that does not decode
                    // (counted, skipped) makes another step, so that a read returns nothing only
                    // when nothing is left.
                    while true {
                        let scan = SpoolRecord.scan(content, from: offset, limit: size, maxRecords: maxEvents - events.count)
                        for record in scan.records {
                            guard events.count < maxEvents, bytes < maxBytes else { break }
                            if let event = try? SpoolRecord.event(fromPayload: content[record.payload], decoder: &decoder) {
                                events.append(event)
                            } else {
                                state.ledger.corruptRecords += 1
                            }
                            bytes += record.payload.count + SpoolRecord.headerBytes
                            offset = record.payload.upperBound
                        }
                        guard events.count < maxEvents, bytes < maxBytes else { break }
                        if !scan.stoppedEarly {
                            offset = size
                            break
                        }
                    }
                    positions[lane] = SpoolPosition(segment: index, offset: offset)
                }
            }
            for lane in 0..<Self.lanes where positions[lane] > state.sent[lane] { state.sent[lane] = positions[lane] }
            return Read(events: events, end: Cursor(positions: positions))
        }
    }

    /// Fault injection for tests (`CITYWATCH_FAULT_STALL_FILE`, see `RunCommand`): holds the
    /// spool's lock as a hung disk would, blocking appends, commits, reads and the watchdog's
    /// check, while `stalled` says so (at most 60 s).
    package func stall(while stalled: () -> Bool) {
        state.withLock { _ in
            let deadline = ContinuousClock.now + .seconds(60)
            while stalled(), ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        }
    }

    /// Successful commits since the spool opened.
    package var commits: UInt64 { state.withLock { $0.commits } }

    /// The capture time of the oldest event not yet acked (the first of each lane's backlog), or
    /// nil when everything is delivered. A lane's answer is remembered until its acked position
    /// moves, so that status polls do not reread segments (a segment is read whole once per move).
    package func oldestBacklogCaptureMs() -> Int64? {
        state.withLock { state in
            var oldest: Int64?
            var cache: [Int: (position: SpoolPosition, captureMs: Int64)] = [:]
            var decoder: BatchDecoder?
            for lane in 0..<Self.lanes {
                let acked = state.ledger.acked[lane]
                let first: Int64?
                if let known = state.oldestCache[lane], known.position == acked {
                    first = known.captureMs
                } else {
                    var found: Int64?
                    for index in state.lanes[lane].sizes.keys.filter({ $0 >= acked.segment }).sorted() {
                        let size = state.lanes[lane].sizes[index] ?? 0
                        let offset = index == acked.segment ? acked.offset : 0
                        guard offset < size, let bytes = try? state.storage.read(Self.segmentName(lane: lane, index: index)) else { continue }
                        if let record = SpoolRecord.scan(bytes, from: offset, limit: size, maxRecords: 1).records.first {
                            found = (try? SpoolRecord.event(fromPayload: bytes[record.payload], decoder: &decoder))?.captureTimeMs
                        }
                        break
                    }
                    first = found
                }
                // An empty lane is not remembered: its next event lands at the same position.
                if let first {
                    cache[lane] = (acked, first)
                    oldest = min(oldest ?? first, first)
                }
            }
            state.oldestCache = cache
            return oldest
        }
    }

    /// Everything before `cursor` is delivered (persisted at the next `sync`).
    package func ack(through cursor: Cursor, reportedEvictions: UInt64 = 0) {
        state.withLock { state in
            for lane in 0..<Self.lanes {
                let through = cursor.positions[lane]
                if through > state.ledger.acked[lane] {
                    state.ledger.acked[lane] = through
                    state.ledgerDirty = true
                }
                // In-flight records of evicted segments that this ack delivered (usually none).
                guard !state.inFlightEvicted[lane].isEmpty else { continue }
                var delivered = 0
                state.inFlightEvicted[lane] = state.inFlightEvicted[lane].compactMap { entry in
                    if entry.segment < through.segment {
                        delivered += entry.recordEnds.count
                        return nil
                    }
                    guard entry.segment == through.segment else { return entry }
                    let remaining = entry.recordEnds.filter { $0 > through.offset }
                    delivered += entry.recordEnds.count - remaining.count
                    return remaining.isEmpty ? nil : (entry.segment, remaining)
                }
                if delivered > 0 {
                    state.ledger.inFlightEvictedEvents = (state.ledger.inFlightEvictedEvents ?? 0) - min(UInt64(delivered), state.ledger.inFlightEvictedEvents ?? 0)
                    state.ledgerDirty = true
                }
            }
            if reportedEvictions > 0 {
                state.ledger.reportedEvictedEvents = min(state.ledger.evictedEvents, state.ledger.reportedEvictedEvents + reportedEvictions)
                state.ledgerDirty = true
            }
        }
    }

    /// The shipper's next batch sequence, kept in the ledger (persisted at the next `sync`).
    package var nextBatchSeq: UInt64 {
        get { state.withLock { $0.ledger.nextBatchSeq } }
        set {
            state.withLock { state in
                guard newValue > state.ledger.nextBatchSeq else { return }
                state.ledger.nextBatchSeq = newValue
                state.ledgerDirty = true
            }
        }
    }

    package var stats: Stats {
        state.withLock { state in
            var backlog = 0
            for lane in 0..<Self.lanes {
                let acked = state.ledger.acked[lane]
                for (index, size) in state.lanes[lane].sizes where index >= acked.segment {
                    backlog += index == acked.segment ? max(0, size - acked.offset) : size
                }
            }
            return Stats(
                bytes: total(state), backlogBytes: backlog, segments: state.lanes.reduce(0) { $0 + $1.sizes.count },
                evictedEvents: state.ledger.evictedEvents,
                unreportedEvictedEvents: state.ledger.evictedEvents - state.ledger.reportedEvictedEvents,
                corruptRecords: state.ledger.corruptRecords, inFlightEvictedEvents: state.ledger.inFlightEvictedEvents ?? 0)
        }
    }
}
