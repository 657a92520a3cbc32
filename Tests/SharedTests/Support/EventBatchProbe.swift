import Shared
import SwiftProtobuf

/// Edits the protobuf of an encoded batch column by column, to build malformed batches.
struct Citywatch_V1_EventBatchProbe {
    private var message: Citywatch_V1_EventBatch

    init(_ bytes: [UInt8]) throws { message = try Citywatch_V1_EventBatch(serializedBytes: bytes) }

    var bytes: [UInt8] { (try? message.serializedBytes()) ?? [] }

    mutating func clearCount() { message.events.count = 0 }
    mutating func setFlags(_ flags: [UInt32]) { message.events.flags = flags }
    mutating func setBox(_ box: [UInt32]) { message.events.box = box }
    mutating func setEventIDDeltas(_ deltas: [Int64]) { message.events.eventIDDelta = deltas }
}
