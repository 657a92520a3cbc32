@testable import Aggregator
import AsyncHTTPClient
import Foundation
import NIOSSL
import Shared
import Testing
import TestSupport

/// `aggregator serve` as agents meet it: a real process, mTLS on loopback, a real SQLite file.
@Suite(.serialized) struct IngestTests {
    func storedCount(_ fixture: AggregatorFixture) async throws -> Int {
        let store = try SQLiteEventStore(path: fixture.databasePath, readOnly: true)
        let count = try await store.eventCount()
        await store.close()
        return count
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
        let store = try SQLiteEventStore(path: fixture.databasePath, readOnly: true)
        let stored = try await store.events(EventQuery(limit: 100))
        await store.close()
        #expect(Set(stored.map(\.event.id)) == Set(batch.events.map(\.id)))
        #expect(stored.allSatisfy { $0.district == "north" && $0.agentID == "agent-1" && $0.batchSeq == 1 })
        let sent = Dictionary(uniqueKeysWithValues: batch.events.map { ($0.id, $0) })
        #expect(stored.allSatisfy { sent[$0.event.id]?.kind == $0.event.kind && sent[$0.event.id]?.captureTimeMs == $0.event.captureTimeMs })
        }
        // HTTP/1.1 clients are identified from the same certificate (the tests above negotiate HTTP/2).
        var generator = AggregatorFixture.generator(agent: "agent-1", seed: 2)
        _ = generator.next(count: 50)  // past the ids of batch 1 (event ids are unique per agent)
        let overHTTP1 = try AggregatorFixture.batch(&generator, seq: 2, events: 7)
        let http1 = try await fixture.withClient(agent: "agent-1", http1Only: true) { try await fixture.post(overHTTP1.body, client: $0) }
        #expect(http1.status == 200)
        #expect(try http1.ack().committedSeq == 2)
        #expect(try await storedCount(fixture) == 57)
        // With ingest quiet, the indexer moves everything from the recent tier to the indexed table.
        let reader = try SQLiteEventStore(path: fixture.databasePath, readOnly: true)
        var backlog = try await reader.recentBacklog()
        for _ in 0..<100 where backlog.events > 0 {
            try await Task.sleep(for: .milliseconds(100))
            backlog = try await reader.recentBacklog()
        }
        #expect(backlog.events == 0)
        let ids = try await reader.events(EventQuery(limit: 100)).map(\.event.id)
        #expect(ids.count == 57 && Set(ids).count == 57)
        #expect(try await reader.eventCount() == 57)
        await reader.close()
        #expect(Self.sample(try await fixture.scrapeMetrics(), "citywatch_store_indexed_events_total") == 57)
        // SIGTERM drains the services and exits 0 (what systemd expects of a clean stop).
        #expect(await fixture.stop() == 0, "\(fixture.server?.stderr ?? "")")
        await fixture.cleanUp()
    }

    /// The value of one sample line (`name{labels} value`) in Prometheus text.
    static func sample(_ text: String, _ series: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.dropFirst(series.count + 1)) }
    }

    @Test func refusals_nameTheProblem_andStoreNothing() async throws {
        let fixture = try AggregatorFixture()
        try await fixture.start()
        var bomb: [UInt8] = []
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
        var unknownCamera = foreign.events
        for i in unknownCamera.indices { unknownCamera[i].cameraID = "cam-9-0\(i % 8 + 1)" }
        let unknown = try await fixture.post(try BatchEncoder().encode(EventBatch(agentID: "agent-2", batchSeq: 1, events: unknownCamera)), client: agent2)
        #expect(unknown.status == 403 && unknown.errorCode == "unknown_camera")

        // Malformed, wrong media type, decompression bomb.
        let malformed = try await fixture.post(Array("not a batch".utf8), client: agent2)
        #expect(malformed.status == 400 && malformed.errorCode == "bad_compression")
        var generator2 = AggregatorFixture.generator(agent: "agent-2")
        let good = try AggregatorFixture.batch(&generator2, seq: 1, events: 5)
        let wrongType = try await fixture.post(good.body, client: agent2, contentType: "application/json")
        #expect(wrongType.status == 415 && wrongType.errorCode == "unsupported_media_type")
        bomb = ZstdBomb.make(expandedBytes: 512 << 20, declareSize: false)
        let exploded = try await fixture.post(bomb, client: agent2)
        #expect(exploded.status == 413 && exploded.errorCode == "decompressed_too_large")
        // The agent's encoder refuses this; a foreign or broken client might still send it.
        let hugeSeq = EventBatch(agentID: "agent-2", batchSeq: UInt64.max, events: good.events)
        let badSeq = try await fixture.post(try ZstdCompressor().compress(BatchEncoder.protobufBytes(of: hugeSeq)), client: agent2)
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
        #expect(Self.sample(metrics, #"citywatch_ingest_events_total{result="refused"}"#) == 30)  // 3 batches of 10 refused after decoding
        #expect(Self.sample(metrics, #"citywatch_ingest_events_total{result="stored"}"#) == 5)
        let compressed = try #require(Self.sample(metrics, #"citywatch_ingest_bytes_total{form="compressed"}"#))
        let raw = try #require(Self.sample(metrics, #"citywatch_ingest_bytes_total{form="raw"}"#))
        #expect(compressed > Double(bomb.count) && raw > 0)
        #expect(metrics.contains(#"citywatch_agent_last_seen_ms{agent="agent-2"}"#))
        await fixture.cleanUp()
    }

    /// Batches compressed with a trained dictionary are refused (415) unless the dictionary is
    /// in `ingest.dictionaries`, then stored.
    @Test func dictionaryCompressedBatches_needTheConfiguredDictionary() async throws {
        var generator = AggregatorFixture.generator(agent: "agent-1", seed: 3)
        let samples = (1...60).map { i in
            BatchEncoder.protobufBytes(of: EventBatch(agentID: "agent-1", batchSeq: UInt64(i), events: generator.next(count: 10)))
        }
        let dictionaryBytes = try ZstdDictionaryTrainer.train(samples: samples, capacity: 4096)
        let body = try BatchEncoder(dictionary: try ZstdDictionary(bytes: dictionaryBytes))
            .encode(EventBatch(agentID: "agent-1", batchSeq: 1, events: generator.next(count: 20)))

        let without = try AggregatorFixture()
        try await without.start()
        let refused = try await without.withClient(agent: "agent-1") { try await without.post(body, client: $0) }
        #expect(refused.status == 415 && refused.errorCode == "unknown_dictionary")
        await without.cleanUp()

        let with = try AggregatorFixture(dictionaries: [("batches.dict", dictionaryBytes)])
        try await with.start()
        let accepted = try await with.withClient(agent: "agent-1") { try await with.post(body, client: $0) }
        #expect(accepted.status == 200)
        #expect(try await storedCount(with) == 20)
        await with.cleanUp()
    }

    /// The server ends the connection during TLS (the client sees it closed or a TLS alert), not
    /// by a timeout nor with an HTTP status.
    static func expectRefusedAtHandshake(_ fixture: AggregatorFixture, _ body: [UInt8], client: HTTPClient) async {
        do {
            let reply = try await fixture.post(body, client: client, timeout: .seconds(5))
            Issue.record("not refused at the handshake: HTTP \(reply.status)")
        } catch let error as HTTPClientError where error == .remoteConnectionClosed {
        } catch is NIOSSLError {
        } catch {
            Issue.record("expected the TLS handshake to be refused, got \(error)")
        }
    }

    @Test func clientsWithoutAValidFleetCertificate_areRefusedAtTheHandshake() async throws {
        let fixture = try AggregatorFixture()
        try await fixture.start()
        var generator = AggregatorFixture.generator(agent: "agent-1")
        let batch = try AggregatorFixture.batch(&generator, seq: 1, events: 3)

        try await fixture.withClient(agent: nil) { await Self.expectRefusedAtHandshake(fixture, batch.body, client: $0) }
        // The fleet's own CA, but the certificate expired nine days ago.
        try await fixture.withClient(agent: "agent-expired") { await Self.expectRefusedAtHandshake(fixture, batch.body, client: $0) }

        // A certificate from another CA (another city's fleet) for an agent of the same name.
        let otherFleet = try TestPKI(city: "testcity", agents: ["agent-1"])
        let tls = try TLSConfigurations.client(
            certificatePath: otherFleet.directory.agentCertificatePath("agent-1"), keyPath: otherFleet.directory.agentKeyPath("agent-1"),
            serverCAPath: fixture.pki.directory.caCertificatePath)
        let impostor = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        await Self.expectRefusedAtHandshake(fixture, batch.body, client: impostor)
        try await impostor.shutdown()
        otherFleet.cleanUp()
        #expect(try await storedCount(fixture) == 0)
        #expect(fixture.server?.isRunning == true)
        await fixture.cleanUp()
    }

    /// The agent's contract: resend until acked. Killing the aggregator (SIGKILL) while a batch
    /// is in flight — before, during or after its commit, by chance of timing — and once right
    /// after an ack loses nothing and duplicates nothing.
    @Test func killedAggregator_withAResendingClient_storesEveryEventExactlyOnce() async throws {
        let fixture = try AggregatorFixture()
        try await fixture.start()
        try await fixture.withClient(agent: "agent-1") { client in
        var generator = AggregatorFixture.generator(agent: "agent-1", seed: 9)
        let batches = try (1...40).map { try AggregatorFixture.batch(&generator, seq: UInt64($0), events: 200) }
        // Batch index → delay after starting its send before the SIGKILL.
        let killsInFlight: [Int: Duration] = [5: .zero, 10: .milliseconds(2), 18: .milliseconds(5), 25: .milliseconds(10), 30: .milliseconds(25)]
        var kills = 0
        for (i, batch) in batches.enumerated() {
            if let delay = killsInFlight[i] {
                let port = fixture.port
                let inFlight = Task { try? await AggregatorFixture.post(batch.body, port: port, client: client, timeout: .seconds(5)) }
                try await Task.sleep(for: delay)
                await fixture.server?.kill9()
                _ = await inFlight.value
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
            // Killed right after an ack: the resend an agent makes when it missed the ack is a duplicate.
            if i == 33 {
                await fixture.server?.kill9()
                try await fixture.start()
                let reply = try await fixture.post(batch.body, client: client)
                let resentAck = try reply.ack()
                #expect(reply.status == 200 && resentAck.duplicate)
            }
        }
        #expect(kills == 5)
        let store = try SQLiteEventStore(path: fixture.databasePath, readOnly: true)
        let total = try await store.eventCount()
        #expect(total == 40 * 200, "stored \(total)")
        #expect(try await store.committedSequence(agent: "agent-1") == 40)
        await store.close()
        }
        await fixture.cleanUp()
    }
}
