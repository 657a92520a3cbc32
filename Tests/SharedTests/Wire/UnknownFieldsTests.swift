import Foundation
import Shared
import Testing

/// A newer agent may add fields; this build must accept its batches and keep what it does not know.
@Suite struct UnknownFieldsTests {
    /// Field 99 (varint 7) at the batch level and field 40 (string "x") inside the event columns.
    static func newerWriterBytes() -> (bytes: [UInt8], events: [Event]) {
        let events = [Event.stub(kind: "drone_sighting")]
        var bytes = BatchEncoder.protobufBytes(of: EventBatch(agentID: "agent-new", batchSeq: 9, events: events))
        bytes += [0x98, 0x06, 0x07]  // tag (99 << 3 | 0) as varint, value 7
        bytes += [0x32, 0x04, 0xC2, 0x02, 0x01, 0x78]  // field 6 (events), 4 bytes: field 40 (string) = "x"
        return (bytes, events)
    }

    @Test func unknownFields_areAcceptedAndKept() throws {
        let (bytes, events) = Self.newerWriterBytes()
        let decoder = BatchDecoder()
        let batch = try decoder.decodeProtobuf(bytes)
        #expect(batch.events == events)
        #expect(batch.events[0].kind.rawValue == "drone_sighting")
        #expect(!batch.unknownFields.isEmpty)

        // Re-encoding keeps them: decoding the re-encoded bytes sees the same unknown fields again.
        let again = try decoder.decodeProtobuf(BatchEncoder.protobufBytes(of: batch))
        #expect(again == batch)
        #expect(again.unknownFields == batch.unknownFields)
    }
}
