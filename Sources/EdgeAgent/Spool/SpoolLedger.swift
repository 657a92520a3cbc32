import Foundation

/// Where a lane's reader stands: a segment and a byte offset in it.
package struct SpoolPosition: Codable, Hashable, Comparable, Sendable {
    package var segment: Int
    package var offset: Int

    package static func < (a: Self, b: Self) -> Bool { (a.segment, a.offset) < (b.segment, b.offset) }
}

/// The spool's small persistent state, replaced atomically (temporary file, fsync, rename,
/// directory fsync): how far each lane is acked, the eviction counters, and the shipper's next
/// batch sequence. An unreadable ledger is not fatal: the spool starts over from the oldest
/// segments (events resent are deduplicated by the aggregator) and says so.
package struct SpoolLedger: Codable, Hashable, Sendable {
    package var version = 1
    /// Per lane (index = lane), everything before this position is acked.
    package var acked: [SpoolPosition]
    package var evictedEvents: UInt64 = 0
    package var evictedBytes: UInt64 = 0
    /// Evicted events already reported to the aggregator in an acked batch.
    package var reportedEvictedEvents: UInt64 = 0
    /// Events whose segment was evicted while they were in flight: the shipper still holds them,
    /// so they are lost only if this process ends before their ack (counted as evicted at the next
    /// start). Absent in ledgers written before this field existed.
    package var inFlightEvictedEvents: UInt64? = nil
    package var corruptRecords: UInt64 = 0
    package var nextBatchSeq: UInt64 = 1
    /// The highest event id ever committed (new ids start above it).
    package var maxEventID: UInt64? = nil

    static let fileName = "ledger.json"

    init(lanes: Int) {
        acked = Array(repeating: SpoolPosition(segment: 0, offset: 0), count: lanes)
    }

    func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return Array((try? encoder.encode(self)) ?? Data())
    }

    static func decode(_ bytes: [UInt8], lanes: Int) -> SpoolLedger? {
        guard var ledger = try? JSONDecoder().decode(SpoolLedger.self, from: Data(bytes)), ledger.version == 1 else { return nil }
        while ledger.acked.count < lanes { ledger.acked.append(SpoolPosition(segment: 0, offset: 0)) }
        return ledger
    }
}
