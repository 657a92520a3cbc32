import Foundation
import Shared

/// One committed batch as both stores' recent tiers keep it (SQLite migration v4, PostgreSQL v2;
/// docs/PROTOCOL.md "Two tiers"): one row per batch instead of one per event, so a commit writes
/// one record and a blob instead of a 22-column row per event (what bounded SQLite's one writer:
/// `bench ingest`).
///
/// - `events`: a wire body, zstd-compressed `EventBatch` without a dictionary (docs/PROTOCOL.md).
///   A batch stored whole and sent without a dictionary keeps the bytes it arrived in; otherwise
///   the store encodes the events it keeps. Read back with the wire's own decoder.
/// - `eventIDs`: the stored event ids, ascending, as unsigned LEB128 deltas (the first from 0):
///   what the duplicate check reads, without decoding the events.
/// - `cameras`: JSON `[[camera, district, last capture ms], …]`, one entry per camera: the
///   district each event is stored under (from the city model at commit) and what
///   `lastEventTimes` needs (read by SQL's `json_each`).
struct RecentBatch: Sendable {
    var agentID: String
    var batchSeq: UInt64
    var receivedAtMs: Int64
    var eventCount: Int
    var firstEventID: Int64
    var lastEventID: Int64
    var firstCaptureMs: Int64
    var lastCaptureMs: Int64
    var cameras: String
    var eventIDs: [UInt8]
    var events: [UInt8]

    /// The limits stored blobs are read back with: they were checked when they arrived (or were
    /// encoded here), so only the structure is checked again.
    static let storedLimits = BatchLimits(
        maxCompressedBytes: 1 << 30, maxDecompressedBytes: 256 << 20, windowLogMax: 27, maxEvents: .max, maxStringBytes: .max,
        maxAttributesPerEvent: .max, maxAgentIDBytes: .max)

    /// The record of `batch`'s events at `kept` (indices into `batch.events`, ascending by event
    /// id). `wireBody`: the batch's body as received, used when every event is kept and it has no
    /// dictionary. Throws when the events cannot be encoded so that they read back (only events
    /// that did not come off the wire can fail).
    init(_ batch: IngestedBatch, kept: [Int]) throws(StoreError) {
        precondition(!kept.isEmpty, "a recent batch holds at least one event")
        agentID = batch.agentID
        batchSeq = batch.batchSeq
        receivedAtMs = batch.receivedAtMs
        eventCount = kept.count
        var ids: [Int64] = []
        ids.reserveCapacity(kept.count)
        var byCamera: [String: (district: String, last: Int64)] = [:]
        var first = Int64.max, last = Int64.min
        var previousCamera = ""
        var previousEntry: (district: String, last: Int64)?
        for i in kept {
            let event = batch.events[i]
            ids.append(Int64(bitPattern: event.id))
            first = min(first, event.captureTimeMs)
            last = max(last, event.captureTimeMs)
            // Batches come in runs of one camera: look the entry up only when the camera changes.
            if event.cameraID != previousCamera || previousEntry == nil {
                if let previousEntry { byCamera[previousCamera] = previousEntry }
                previousCamera = event.cameraID
                previousEntry = byCamera[event.cameraID] ?? (batch.districts[i], event.captureTimeMs)
            }
            previousEntry!.last = max(previousEntry!.last, event.captureTimeMs)
        }
        if let previousEntry { byCamera[previousCamera] = previousEntry }
        firstEventID = ids.first!
        lastEventID = ids.last!
        firstCaptureMs = first
        lastCaptureMs = last
        cameras = Self.camerasJSON(byCamera)
        eventIDs = Self.packIDs(ids)
        if let body = batch.wireBody, kept.count == batch.events.count {
            events = body
        } else {
            events = try Self.encode(batch, kept: kept)
        }
    }

    private static func encode(_ batch: IngestedBatch, kept: [Int]) throws(StoreError) -> [UInt8] {
        let wire = EventBatch(agentID: batch.agentID, batchSeq: max(1, batch.batchSeq), events: kept.map { batch.events[$0] })
        do {
            try storedLimits.validate(wire)
            let bytes = try ZstdCompressor(level: 1).compress(BatchEncoder.protobufBytes(of: wire))
            // Events that came off the wire encode as they decoded; others (built in-process) are
            // read back once, so that the indexer never meets a blob it cannot read.
            if batch.wireBody == nil { _ = try BatchDecoder(limits: storedLimits).decode(bytes) }
            return bytes
        } catch {
            throw .failed("the batch cannot be stored: \(error)")
        }
    }

    /// The events of a stored blob.
    static func events(of blob: [UInt8]) throws -> [Event] {
        try BatchDecoder(limits: storedLimits).decode(blob).events
    }

    /// The event rows of a stored batch (its record's columns).
    static func rows(agent: String, batchSeq: Int64, receivedAtMs: Int64, cameras: String, events blob: [UInt8]) throws -> [EventRow] {
        let districts = try Self.districts(cameras)
        let seq = UInt64(bitPattern: batchSeq)
        return try events(of: blob).map {
            EventRow($0, agentID: agent, batchSeq: seq, district: districts[$0.cameraID] ?? "", receivedAtMs: receivedAtMs)
        }
    }

    // MARK: Event ids

    /// Indices of `ids` in ascending id order, each id once (its first occurrence), leaving out
    /// `skipping`: the events of a batch that a record keeps.
    static func ascendingFirstOccurrences(_ ids: [Int64], skipping: Set<Int64> = []) -> [Int] {
        var seen = Set<Int64>()
        return ids.indices.filter { !skipping.contains(ids[$0]) && seen.insert(ids[$0]).inserted }.sorted { ids[$0] < ids[$1] }
    }

    /// The ids of `ids` that the packed id lists hold (`packedLists`: recent batches of the agent
    /// whose ids overlap `ids`' range).
    static func stored(_ ids: [Int64], in packedLists: [[UInt8]]) throws(StoreError) -> Set<Int64> {
        guard !packedLists.isEmpty, let low = ids.min(), let high = ids.max() else { return [] }
        let wanted = Set(ids)
        var found = Set<Int64>()
        for packed in packedLists {
            try forEachID(in: packed) { id in
                if id >= low, id <= high, wanted.contains(id) { found.insert(id) }
            }
        }
        return found
    }

    /// Ascending ids as LEB128 deltas.
    static func packIDs(_ ascending: [Int64]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(ascending.count + 8)
        var previous: UInt64 = 0
        for id in ascending {
            Varint.append(UInt64(bitPattern: id) &- previous, to: &out)
            previous = UInt64(bitPattern: id)
        }
        return out
    }

    /// Calls `body` with each id of `packIDs`' bytes, in order.
    static func forEachID(in bytes: [UInt8], _ body: (Int64) -> Void) throws(StoreError) {
        var value: UInt64 = 0, shift: UInt64 = 0, previous: UInt64 = 0
        for byte in bytes {
            guard shift < 64 else { throw .failed("a recent batch's event ids are corrupt") }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                previous &+= value
                body(Int64(bitPattern: previous))
                value = 0
                shift = 0
            } else {
                shift += 7
            }
        }
        guard shift == 0 else { throw .failed("a recent batch's event ids are truncated") }
    }

    // MARK: Cameras

    private static func camerasJSON(_ byCamera: [String: (district: String, last: Int64)]) -> String {
        let entries: [[Any]] = byCamera.keys.sorted().map { [$0, byCamera[$0]!.district, byCamera[$0]!.last] }
        // Strings and integers serialise.
        let data = (try? JSONSerialization.data(withJSONObject: entries, options: [.withoutEscapingSlashes])) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// District per camera from `cameras`.
    static func districts(_ cameras: String) throws(StoreError) -> [String: String] {
        guard let entries = try? JSONSerialization.jsonObject(with: Data(cameras.utf8)) as? [[Any]] else {
            throw .failed("a recent batch's camera list is corrupt")
        }
        var districts: [String: String] = [:]
        for entry in entries {
            guard entry.count == 3, let camera = entry[0] as? String, let district = entry[1] as? String else {
                throw .failed("a recent batch's camera list is corrupt")
            }
            districts[camera] = district
        }
        return districts
    }
}
