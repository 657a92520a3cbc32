import Foundation
import Shared
import Testing
import TestSupport

/// Committed wire bytes: the format cannot drift without a test failing.
///
/// `golden-batch-v1.pb` is the uncompressed protobuf of `GoldenFixtureTests.batch`; encoding must
/// reproduce it byte for byte. `golden-batch-v1.pb.zst` is the same compressed by the zstd of the
/// day it was made; it must keep decoding (zstd's output may differ between versions, its format
/// does not). Regenerate deliberately, after a documented format change, with
/// `CITYWATCH_REGENERATE_FIXTURES=1 swift test --filter GoldenFixtureTests`.
@Suite struct GoldenFixtureTests {
    static var batch: EventBatch {
        var events: [Event] = []
        var id: UInt64 = 1_000
        for descriptor in EventKindRegistry.standard.descriptors {
            for phase in EventPhase.allCases {
                let lifecycle = id
                var attributes = Attributes()
                for spec in descriptor.attributes {
                    switch spec.type {
                    case .int: attributes[spec.key] = .int(Int64(id % 97))
                    case .double: attributes[spec.key] = .double(Double(id % 1000) / 8)
                    case .bool: attributes[spec.key] = .bool(id % 2 == 0)
                    case .string: attributes[spec.key] = .string("v\(id % 5)")
                    }
                }
                attributes["flag"] = .bool(phase == .end)
                attributes["ratio"] = .double(1.0 / 3.0)
                events.append(Event(
                    id: id, lifecycleID: phase == .start ? id : lifecycle, cameraID: "cam-\(id % 4)", kind: descriptor.kind,
                    phase: phase, captureTimeMs: 1_790_000_000_000 + Int64(id) * 37, agentTimeMs: 1_790_000_000_000 + Int64(id) * 37 + 12,
                    trackID: descriptor.tracked ? id / 3 : 0,
                    box: descriptor.tracked ? BoundingBox(xUnits: UInt16(id % 9000), yUnits: 100, widthUnits: 500, heightUnits: 900) : nil,
                    zone: descriptor.tracked ? "zone-\(id % 3)" : nil, confidence: Confidence(permille: UInt16(id % 1001)),
                    severity: descriptor.defaultSeverity, attributes: attributes,
                    snapshot: phase == .start ? "snap/\(id).jpg" : nil))
                id += 1
            }
        }
        events.append(Event(id: id, cameraID: "cam-9", kind: "future_kind", captureTimeMs: 1_790_000_100_000, severity: .low))
        return EventBatch(
            agentID: "agent-golden", batchSeq: 77, createdAtMs: 1_790_000_200_000,
            evicted: EvictionReport(events: 4, snapshots: 1, eventsBySeverity: [.info: 3, .low: 1], oldestCaptureMs: 1, newestCaptureMs: 2),
            events: events, commandResults: [CommandResult(commandID: "c-1", status: .done, finishedAtMs: 3)], agentVersion: "0.1.0")
    }

    let rawURL = TestPaths.fixtures.appendingPathComponent("golden-batch-v1.pb")
    let compressedURL = TestPaths.fixtures.appendingPathComponent("golden-batch-v1.pb.zst")

    @Test func encoding_matchesCommittedBytes() throws {
        let bytes = BatchEncoder.protobufBytes(of: Self.batch)
        if ProcessInfo.processInfo.environment["CITYWATCH_REGENERATE_FIXTURES"] == "1" {
            try Data(bytes).write(to: rawURL)
            try Data(try ZstdCompressor().compress(bytes)).write(to: compressedURL)
        }
        let committed = try [UInt8](Data(contentsOf: rawURL))
        #expect(bytes == committed, "the wire encoding changed; see docs/PROTOCOL.md, 'Evolution'")
    }

    @Test func committedBytes_decodeToTheBatch() throws {
        let decoder = BatchDecoder()
        #expect(try decoder.decodeProtobuf([UInt8](Data(contentsOf: rawURL))) == Self.batch)
        #expect(try decoder.decode([UInt8](Data(contentsOf: compressedURL))) == Self.batch)
    }
}
