@testable import Aggregator
import AsyncHTTPClient
import Foundation
import Shared
import Testing
import TestSupport

/// `aggregator serve` as agents meet it: a real process, mTLS on loopback, a real SQLite file.
@Suite(.serialized) struct IngestTests {
    func storedCount(_ fixture: AggregatorFixture) async throws -> Int {
        let store = try SQLiteEventStore(path: fixture.databasePath)
        defer { Task { await store.close() } }
        return try await store.eventCount()
    }

    @Test func validBatch_isStored_andAResendIsADuplicateWithTheSameAck() async throws {
        let fixture = try AggregatorFixture()
        try await fixture.start()
        try await fixture.withClient(agent: "agent-1") { client in
        var generator = AggregatorFixture.generator(agent: "agent-1")
        let batch = try AggregatorFixture.batch(&generator, seq: 1, events: 50)

        let first = try await fixture.post(batch.body, client: client)
        #expect(first.status == 200)
        let ack = try first.ack()
        #expect(ack.agentID == "agent-1" && ack.committedSeq == 1 && ack.storedEvents == 50 && !ack.duplicate)

        let again = try await fixture.post(batch.body, client: client)
        #expect(again.status == 200)
        let second = try again.ack()
        #expect(second.duplicate && second.committedSeq == 1 && second.storedEvents == 0)
        #expect(try await storedCount(fixture) == 50)

        // The stored events are the ones sent, with their district from the city model.
        let store = try SQLiteEventStore(path: fixture.databasePath)
        let stored = try await store.events(EventQuery(limit: 100))
        await store.close()
        #expect(Set(stored.map(\.event.id)) == Set(batch.events.map(\.id)))
        #expect(stored.allSatisfy { $0.district == "north" && $0.agentID == "agent-1" && $0.batchSeq == 1 })
        let sent = Dictionary(uniqueKeysWithValues: batch.events.map { ($0.id, $0) })
        #expect(stored.allSatisfy { sent[$0.event.id]?.kind == $0.event.kind && sent[$0.event.id]?.captureTimeMs == $0.event.captureTimeMs })
        }
        await fixture.cleanUp()
    }

    @Test func refusals_nameTheProblem_andStoreNothing() async throws {
        let fixture = try AggregatorFixture()
        try await fixture.start()
        try await fixture.withClient(agent: "agent-2") { agent2 in
        // agent-2 sending agent-1's cameras (the payload even claims agent-1's identity in one case).
        var generator1 = AggregatorFixture.generator(agent: "agent-1")
        let foreign = try AggregatorFixture.batch(&generator1, seq: 1, events: 10)
        let mismatch = try await fixture.post(foreign.body, client: agent2)
        #expect(mismatch.status == 403 && mismatch.errorCode == "agent_mismatch")
        let unowned = EventBatch(agentID: "agent-2", batchSeq: 1, events: foreign.events)
        let notOwned = try await fixture.post(try BatchEncoder().encode(unowned), client: agent2)
        #expect(notOwned.status == 403 && notOwned.errorCode == "camera_not_owned")
        #expect((notOwned.json?["error"] as? [String: Any])?["field"] as? String == "events[0].camera_id")

        // Malformed, wrong media type, decompression bomb.
        let malformed = try await fixture.post(Array("not a batch".utf8), client: agent2)
        #expect(malformed.status == 400 || malformed.status == 415)
        #expect(malformed.errorCode != nil)
        var generator2 = AggregatorFixture.generator(agent: "agent-2")
        let good = try AggregatorFixture.batch(&generator2, seq: 1, events: 5)
        let wrongType = try await fixture.post(good.body, client: agent2, contentType: "application/json")
        #expect(wrongType.status == 415)
        let bomb = ZstdBomb.make(expandedBytes: 512 << 20, declareSize: false)
        let exploded = try await fixture.post(bomb, client: agent2)
        #expect(exploded.status == 413)
        let zeroSeq = EventBatch(agentID: "agent-2", batchSeq: UInt64.max, events: good.events)
        let badSeq = try await fixture.post(try BatchEncoder().encode(zeroSeq), client: agent2)
        #expect(badSeq.status == 400 && (badSeq.json?["error"] as? [String: Any])?["field"] as? String == "batch_seq")
        #expect(try await storedCount(fixture) == 0)

        // The server is still healthy and takes a good batch afterwards.
        let accepted = try await fixture.post(good.body, client: agent2)
        #expect(accepted.status == 200)
        #expect(try await storedCount(fixture) == 5)
        }
        // Every outcome is counted by reason on the metrics listener.
        let metrics = try await fixture.scrapeMetrics()
        #expect(metrics.contains(#"citywatch_ingest_batches_total{result="committed"} 1"#), "\(metrics)")
        #expect(metrics.contains(#"code="camera_not_owned""#) && metrics.contains(#"code="agent_mismatch""#))
        #expect(metrics.contains("citywatch_ingest_commit_seconds"))
        await fixture.cleanUp()
    }

    @Test func clientsWithoutAFleetCertificate_areRefusedAtTheHandshake() async throws {
        let fixture = try AggregatorFixture()
        try await fixture.start()
        var generator = AggregatorFixture.generator(agent: "agent-1")
        let batch = try AggregatorFixture.batch(&generator, seq: 1, events: 3)

        try await fixture.withClient(agent: nil) { anonymous in
            await #expect(throws: (any Error).self) { _ = try await fixture.post(batch.body, client: anonymous, timeout: .seconds(5)) }
        }

        // A certificate from another CA (another city's fleet) for an agent of the same name.
        let otherFleet = try TestPKI(city: "testcity", agents: ["agent-1"])
        let tls = try TLSConfigurations.client(
            certificatePath: otherFleet.directory.agentCertificatePath("agent-1"), keyPath: otherFleet.directory.agentKeyPath("agent-1"),
            serverCAPath: fixture.pki.directory.caCertificatePath)
        let impostor = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        await #expect(throws: (any Error).self) { _ = try await fixture.post(batch.body, client: impostor, timeout: .seconds(5)) }
        try await impostor.shutdown()
        otherFleet.cleanUp()
        #expect(try await storedCount(fixture) == 0)
        #expect(fixture.server?.isRunning == true)
        await fixture.cleanUp()
    }

    /// The agent's contract: resend until acked. Killing the aggregator (SIGKILL) in the middle
    /// of the stream loses nothing and duplicates nothing.
    @Test func killedAggregator_withAResendingClient_storesEveryEventExactlyOnce() async throws {
        let fixture = try AggregatorFixture()
        try await fixture.start()
        try await fixture.withClient(agent: "agent-1") { client in
        var generator = AggregatorFixture.generator(agent: "agent-1", seed: 9)
        let batches = try (1...40).map { try AggregatorFixture.batch(&generator, seq: UInt64($0), events: 200) }
        var kills = 0
        for (i, batch) in batches.enumerated() {
            if i == 10 || i == 25 {
                await fixture.server?.kill9()
                kills += 1
                try await fixture.start()
            }
            var attempts = 0
            while true {
                attempts += 1
                #expect(attempts <= 50, "batch \(i + 1) never acked")
                if attempts > 50 { break }
                if let reply = try? await fixture.post(batch.body, client: client), reply.status == 200 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            // Kill once more right after a send, before the next one, to land between commit and ack sometimes.
            if i == 33 {
                await fixture.server?.kill9()
                try await fixture.start()
                // Resend the last batch as an agent would when it did not see the ack.
                let reply = try await fixture.post(batch.body, client: client)
                let resentAck = try reply.ack()
                #expect(reply.status == 200 && resentAck.duplicate)
            }
        }
        #expect(kills == 2)
        let store = try SQLiteEventStore(path: fixture.databasePath)
        let total = try await store.eventCount()
        #expect(total == 40 * 200, "stored \(total)")
        #expect(try await store.committedSequence(agent: "agent-1") == 40)
        await store.close()
        }
        await fixture.cleanUp()
    }
}
