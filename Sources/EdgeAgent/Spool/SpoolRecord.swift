import CChecksum
import Shared

/// A spool record on disk: `length` (u32 LE, payload bytes) · `crc32c` (u32 LE, of the payload) ·
/// payload. The payload is the event id (u64 LE), then the event:
/// - format 2 (written since 2026-11-29): a 0x00 byte, then a `SpoolEvent` protobuf row
///   (`SpoolEventCodec`);
/// - format 1 (read, no longer written): a one-event wire batch, which always starts with the
///   batch's `agent_id` field (0x0A), never with 0x00 (protobuf has no field 0).
package enum SpoolRecord {
    static let headerBytes = 8
    /// Larger lengths are corruption (an event is well under this).
    static let maxPayloadBytes = 1 << 20
    /// The byte after the id that marks format 2.
    static let rowFormat: UInt8 = 0x00

    static func crc(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBytes { cw_crc32c(0, $0.baseAddress, $0.count) }
    }

    /// Appends the framed record for `event` to `out` (format 2).
    static func frame(_ event: Event, into out: inout [UInt8]) {
        append(id: event.id, into: &out) { payload in
            payload.append(rowFormat)
            payload += SpoolEventCodec.encode(event)
        }
    }

    /// Appends a format-1 record, as agents before format 2 wrote them (tests of the upgrade path).
    static func frameFormat1(_ event: Event, into out: inout [UInt8]) {
        append(id: event.id, into: &out) { $0 += BatchEncoder.protobufBytes(of: EventBatch(agentID: "spool", batchSeq: 1, events: [event])) }
    }

    /// Appends one framed record: `writeBody` appends what follows the event id. The length and
    /// checksum are filled in over the bytes written in place, so a record's payload is not built
    /// in an array of its own and copied (an allocation per event on the append path).
    static func append(id: UInt64, into out: inout [UInt8], writeBody: (inout [UInt8]) -> Void) {
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: headerBytes))
        withUnsafeBytes(of: id.littleEndian) { out.append(contentsOf: $0) }
        writeBody(&out)
        let length = UInt32(out.count - start - headerBytes), checksum = crc(out[(start + headerBytes)...])
        withUnsafeBytes(of: length.littleEndian) { out.replaceSubrange(start..<start + 4, with: $0) }
        withUnsafeBytes(of: checksum.littleEndian) { out.replaceSubrange(start + 4..<start + headerBytes, with: $0) }
    }

    /// The event of a record of either format. `decoder` (format 1 only): one per read pass, made
    /// at the first format-1 record (making one allocates a decompression context).
    static func event(fromPayload payload: ArraySlice<UInt8>, decoder: inout BatchDecoder?) throws -> Event {
        let body = payload.dropFirst(8)
        if body.first == rowFormat { return try SpoolEventCodec.decode(id: id(ofPayload: payload), body.dropFirst()) }
        if decoder == nil { decoder = BatchDecoder() }
        let batch = try decoder!.decodeProtobuf(Array(body))
        guard let event = batch.events.first, batch.events.count == 1 else { throw CorruptRecord(events: batch.events.count) }
        return event
    }

    struct CorruptRecord: Error { let events: Int }

    static func readU32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }

    static func id(ofPayload payload: ArraySlice<UInt8>) -> UInt64 {
        var id: UInt64 = 0
        for (i, b) in payload.prefix(8).enumerated() { id |= UInt64(b) << (8 * UInt64(i)) }
        return id
    }

    /// What a segment holds from `offset` on.
    struct Scan {
        /// Intact records: where each starts and its payload's range.
        var records: [(offset: Int, payload: Range<Int>)] = []
        /// End of the last intact record (or of a skipped corrupt one): what is valid.
        var validEnd: Int
        /// Records whose checksum failed but whose frame was complete (skipped).
        var corrupt = 0
        /// The bytes from `validEnd` to the end are an incomplete or unreadable tail.
        var tornTail: Bool { validEnd < fileLength }
        var fileLength: Int
        /// The walk stopped at `maxRecords`, before the end.
        var stoppedEarly = false
    }

    /// Walks the records of `bytes` from `offset`. A frame cut short, a zero or absurd length, or
    /// a bad checksum on the file's last frame is a torn tail (a write the crash interrupted); a
    /// bad checksum on a complete frame followed by more data is a corrupt record, skipped.
    /// Only the first `limit` bytes count (what is durable), without copying. `maxRecords`: stop
    /// after that many intact records (a read wants a batch, not the rest of an 8 MiB segment:
    /// checksumming all of it per read was an eighth of the shipper's CPU during a drain, `perf`).
    static func scan(_ bytes: [UInt8], from offset: Int, limit: Int? = nil, maxRecords: Int = .max) -> Scan {
        let count = min(limit ?? bytes.count, bytes.count)
        var scan = Scan(validEnd: offset, fileLength: count)
        var at = offset
        while at + headerBytes <= count {
            if scan.records.count >= maxRecords {
                scan.stoppedEarly = true
                break
            }
            let length = Int(readU32(bytes, at))
            let end = at + headerBytes + length
            guard length >= 8, length <= maxPayloadBytes, end <= count else { break }
            let payload = (at + headerBytes)..<end
            if crc(bytes[payload]) == readU32(bytes, at + 4) {
                scan.records.append((at, payload))
            } else if end == count {
                break  // the last frame: a torn write, not rot
            } else {
                scan.corrupt += 1
            }
            at = end
            scan.validEnd = end
        }
        return scan
    }
}
