@testable import EdgeAgent
import Shared
import SwiftProtobuf
import Testing

/// The hand-written `SpoolEvent` parser against the protobuf library's own decoder: the same row
/// from every valid encoding, and the same verdict (and row) on thousands of mutated ones.
@Suite struct SpoolEventReaderTests {
    /// The library's reading of `bytes`, in the reader's terms (nil: the library refuses them).
    static func library(_ bytes: [UInt8]) -> SpoolEventReader.Row? {
        guard let m = try? Citywatch_Spool_V1_SpoolEvent(serializedBytes: bytes) else { return nil }
        var row = SpoolEventReader.Row()
        row.lifecycleBack = m.lifecycleBack
        row.cameraID = m.cameraID
        row.kind = m.kind
        row.phase = m.phase
        row.captureTimeMs = m.captureTimeMs
        row.agentTimeOffsetMs = m.agentTimeOffsetMs
        row.trackID = m.trackID
        row.box = m.box
        row.zone = m.hasZone ? m.zone : nil
        row.confidencePermille = m.confidencePermille
        row.severity = m.severity
        row.attributes = m.attributes.map { a in
            var attribute = SpoolEventReader.Attribute(key: a.key)
            switch a.value {
            case .intValue(let v): attribute.value = .int(v)
            case .doubleValue(let v): attribute.value = .double(v.bitPattern)
            case .boolValue(let v): attribute.value = .bool(v)
            case .stringValue(let v): attribute.value = .string(v)
            case nil: attribute.value = nil
            }
            return attribute
        }
        row.snapshot = m.hasSnapshot ? m.snapshot : nil
        return row
    }

    static func mine(_ bytes: [UInt8]) -> SpoolEventReader.Row? { try? SpoolEventReader.read(bytes[...]) }

    static func events(count: Int, seed: UInt64) -> [Event] {
        var c = SyntheticEventGenerator.Configuration()
        c.seed = seed
        var generator = SyntheticEventGenerator(configuration: c)
        var events = generator.next(count: count)
        // What the generator may not produce: every optional field, odd values.
        events[0].zone = "quay-2"
        events[0].snapshot = "snapshots/cam/é.jpg"
        events[0].attributes["neg"] = .int(-5)
        events[0].attributes["nan"] = .double(-0.0)
        events[0].attributes["flag"] = .bool(false)
        events[1].box = nil
        events[1].agentTimeMs = events[1].captureTimeMs - 7
        events[1].trackID = .max
        return events
    }

    @Test func validRows_readAsTheLibraryReadsThem_andDecodeToTheSameEvent() throws {
        for event in Self.events(count: 300, seed: 9) {
            let bytes = SpoolEventCodec.encode(event)
            let row = try #require(Self.mine(bytes))
            #expect(row == Self.library(bytes))
            #expect(try SpoolEventCodec.decode(id: event.id, bytes[...]) == event)
        }
    }

    /// Hand-made encodings the library's encoder never writes but must read: unpacked `box`,
    /// repeated scalars (the last wins), unknown fields of every wire type including a group.
    @Test func otherValidEncodings_readTheSame() throws {
        var bytes: [UInt8] = [0x08, 0x05, 0x08, 0x03]  // lifecycle_back 5, then 3
        bytes += [0x12, 0x03] + Array("cam".utf8)
        bytes += [0x40, 0x01, 0x40, 0x02]  // box 1, 2 unpacked
        bytes += [0x42, 0x02, 0x03, 0x04]  // box 3, 4 packed
        bytes += [0xA0, 0x06, 0x2A]  // unknown field 100, varint
        bytes += [0xA9, 0x06] + [UInt8](repeating: 1, count: 8)  // field 101, fixed64
        bytes += [0xAD, 0x06, 1, 2, 3, 4]  // field 101, fixed32
        bytes += [0xB3, 0x06, 0x08, 0x01, 0xB4, 0x06]  // field 102, a group holding a varint
        bytes += [0x62, 0x05, 0x0A, 0x01, 0x6B, 0x20, 0x01]  // attribute "k" = bool true
        let row = try #require(Self.mine(bytes))
        #expect(row == Self.library(bytes))
        #expect(row.lifecycleBack == 3 && row.box == [1, 2, 3, 4] && row.attributes.first?.value == .bool(true))
    }

    /// Random byte flips, truncations, insertions and deletions of valid rows: both parsers accept
    /// or refuse together and agree on what they accept. Never a crash.
    @Test func mutatedRows_getTheLibrarysVerdict() {
        var random = SplitMix64(seed: 2_026)
        var accepted = 0, refused = 0
        for event in Self.events(count: 200, seed: 11) {
            let valid = SpoolEventCodec.encode(event)
            for _ in 0..<25 {
                var bytes = valid
                for _ in 0...Int(random.next() % 3) {
                    let at = Int(random.next() % UInt64(max(1, bytes.count)))
                    switch random.next() % 4 {
                    case 0 where !bytes.isEmpty: bytes[at] = UInt8(truncatingIfNeeded: random.next())
                    case 1: bytes = Array(bytes.prefix(at))
                    case 2: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: min(at, bytes.count))
                    default: if !bytes.isEmpty { bytes.remove(at: at) }
                    }
                }
                let theirs = Self.library(bytes)
                #expect(Self.mine(bytes) == theirs, "\(bytes)")
                if theirs == nil { refused += 1 } else { accepted += 1 }
            }
        }
        // The mutations exercise both sides.
        #expect(accepted > 250 && refused > 250, "\(accepted) accepted, \(refused) refused")
    }
}
