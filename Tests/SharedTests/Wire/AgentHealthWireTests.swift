import Foundation
@testable import Shared
import SwiftProtobuf
import Testing

/// The health report agents attach to batches: it round-trips, is optional (older agents), and a
/// report the aggregator would refuse is caught by the encoder before it can sink a batch.
@Suite struct AgentHealthWireTests {
    let events = [Event(id: 5, cameraID: "cam-1", kind: .intrusion, captureTimeMs: 1_000)]

    @Test func roundTrips_andIsOptional() throws {
        let health = AgentHealth(
            sampledAtMs: 9_000, spoolBacklogBytes: 1 << 20, oldestEventAgeMs: 12_000, clockSkewMs: -250, certificateNotAfterMs: 2_000_000,
            cameras: 3, camerasOnline: 2, tamperedCameras: ["cam-2"], deadLetters: 4, evictedEvents: 17)
        let batch = EventBatch(agentID: "agent-1", batchSeq: 7, events: events, health: health)
        #expect(try BatchDecoder().decode(try BatchEncoder().encode(batch)).health == health)

        let zeroSkew = AgentHealth(sampledAtMs: 1, clockSkewMs: 0)
        #expect(try BatchDecoder().decode(try BatchEncoder().encode(EventBatch(agentID: "a", batchSeq: 1, events: events, health: zeroSkew))).health?.clockSkewMs == 0,
                "a known skew of 0 is not 'unknown'")
        #expect(try BatchDecoder().decode(try BatchEncoder().encode(EventBatch(agentID: "a", batchSeq: 1, events: events))).health == nil)
    }

    @Test func anInvalidReport_isRefusedWithItsField_beforeItTravels() throws {
        let tooMany = AgentHealth(sampledAtMs: 1, cameras: 1, camerasOnline: 2)
        #expect(throws: BatchError.invalid("health.cameras_online", "more than health.cameras")) {
            try BatchEncoder().encode(EventBatch(agentID: "a", batchSeq: 1, events: events, health: tooMany))
        }
        let longID = AgentHealth(sampledAtMs: 1, tamperedCameras: [String(repeating: "x", count: 300)])
        #expect(throws: BatchError.self) { try BatchEncoder().encode(EventBatch(agentID: "a", batchSeq: 1, events: events, health: longID)) }

        // A hostile writer (bypassing the encoder's checks) is refused by the decoder, naming the field.
        var m = Citywatch_V1_EventBatch()
        m.agentID = "a"
        m.batchSeq = 1
        m.health.tamperedCameras = Array(repeating: "cam", count: AgentHealth.maxTamperedCameras + 1)
        #expect(throws: BatchError.invalid("health.tampered_cameras", "1025 ids, the limit is 1024")) {
            try BatchDecoder().decodeProtobuf(try m.serializedBytes())
        }
    }
}
