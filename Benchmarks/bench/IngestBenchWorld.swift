import Aggregator
import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Shared
import TestSupport

/// What `bench ingest` runs against: a PKI with one certificate per agent, a city where agent
/// `agent-NNN` owns cameras `cam-NNN-01…08` (eight districts), and per measurement a fresh
/// store and a fresh `aggregator serve` process.
struct IngestBenchWorld {
    let pki: TestPKI
    let directory: URL
    let agentIDs: [String]

    /// One measured store: a new SQLite file or a new PostgreSQL database.
    enum Target {
        case sqlite(path: String)
        case postgres(PostgresServer, database: String)

        init(_ name: String, directory: URL, postgres: PostgresServer?) throws {
            switch name {
            case "sqlite": self = .sqlite(path: directory.appendingPathComponent("events-\(UUID().uuidString).sqlite").path)
            case "postgres":
                guard let postgres else { throw ValidationError("no PostgreSQL server") }
                self = .postgres(postgres, database: try postgres.createDatabase("bench"))
            default: throw ValidationError("unknown store '\(name)' (sqlite, postgres)")
            }
        }

        var yaml: String {
            switch self {
            case .sqlite(let path): "sqlite: {path: \(path)}"
            case .postgres(let server, let database):
                "postgres: {host: 127.0.0.1, port: \(server.port), user: \(server.user), database: \(database), tls: disable}"
            }
        }

        func open() async throws -> any RecentTierStore {
            switch self {
            case .sqlite(let path): return try SQLiteEventStore(path: path)
            case .postgres(let server, let database):
                var settings = PostgresSettings(user: server.user, database: database)
                settings.port = server.port
                settings.tls = .disable
                return try await PostgresEventStore.open(settings, logger: Logger(label: "bench"))
            }
        }
    }

    struct Batch: Sendable {
        let agent: String
        let events: [Event]
        let body: [UInt8]
    }

    struct Run {
        var eventsPerSecond: Double
        /// Events over the time from the start until the last of them was in the indexed table.
        var indexedEventsPerSecond: Double
        var p50: Double
        var p99: Double
    }

    init(agents: Int) throws {
        agentIDs = (1...agents).map { "agent-" + String(format: "%03d", $0) }
        pki = try TestPKI(city: "benchcity", agents: agentIDs)
        directory = try TestPaths.temporaryDirectory("bench-ingest")
        let districts = (1...8).map { "  - {id: d\($0), name: District \($0)}" }.joined(separator: "\n")
        let cameras = agentIDs.enumerated().flatMap { i, agent in
            (1...8).map { c in "  - {id: cam-\(agent.dropFirst(6))-0\(c), agent: \(agent), district: d\(i % 8 + 1)}" }
        }.joined(separator: "\n")
        try "city: benchcity\ndistricts:\n\(districts)\ncameras:\n\(cameras)\n"
            .write(to: directory.appendingPathComponent("city.yaml"), atomically: true, encoding: .utf8)
    }

    func cleanUp() {
        pki.cleanUp()
        try? FileManager.default.removeItem(at: directory)
    }

    /// `totalEvents` in batches of `batchEvents`, spread over the first `agents` agents, each
    /// agent's batches in sequence order (one extra batch each, sent first, warms connections).
    func batches(agents: Int, totalEvents: Int, batchEvents: Int) -> [[Batch]] {
        let perAgent = max(2, totalEvents / batchEvents / agents)
        return agentIDs.prefix(agents).enumerated().map { i, agent in
            var configuration = SyntheticEventGenerator.Configuration()
            configuration.agentID = agent
            configuration.seed = UInt64(i + 1)
            configuration.startTimeMs = Int64(Date().timeIntervalSince1970 * 1000) - 3_600_000
            var generator = SyntheticEventGenerator(configuration: configuration)
            return (1...perAgent + 1).map { seq in
                let events = generator.next(count: batchEvents)
                let body = (try? BatchEncoder().encode(EventBatch(agentID: agent, batchSeq: UInt64(seq), events: events))) ?? []
                return Batch(agent: agent, events: events, body: body)
            }
        }
    }

    /// The store's own rates for these rows, in-process (events/s): `commit`, committed by SQLite's
    /// one writer or by 8 concurrent PostgreSQL committers (its pool's size), into the recent tier;
    /// `index`, then moved into the indexed table by `indexRecent` steps as `RecentIndexer` does;
    /// `sustained`, both in turn (what the store keeps up with when nothing is left to lulls).
    struct Ceiling {
        var commit: Double
        var index: Double?
        var sustained: Double
    }

    func storeCeiling(_ target: Target, batches: [[Batch]]) async throws -> Ceiling {
        let store = try await target.open()
        let districtOf = Dictionary(uniqueKeysWithValues: agentIDs.enumerated().map { ($1, "d\($0 % 8 + 1)") })
        let ingested = batches.flatMap { agentBatches in
            agentBatches.enumerated().map { seq, batch in
                IngestedBatch(
                    agentID: batch.agent, batchSeq: UInt64(seq + 1), receivedAtMs: 0, events: batch.events,
                    districts: batch.events.map { _ in districtOf[batch.agent]! }, evicted: EvictionReport(), agentVersion: "bench",
                    wireBody: batch.body.isEmpty ? nil : batch.body)  // no body: the store encodes the events
            }
        }
        let writers: Int
        if case .postgres = target { writers = 8 } else { writers = 1 }
        let clock = ContinuousClock()
        let started = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<writers {
                group.addTask {
                    for batch in stride(from: w, to: ingested.count, by: writers).map({ ingested[$0] }) { _ = try await store.commit(batch) }
                }
            }
            try await group.waitForAll()
        }
        let seconds = (clock.now - started).seconds
        let indexing = clock.now
        var moved = 0
        while case let n = try await store.indexRecent(maxEvents: RecentIndexingPolicy().lullStep), n > 0 { moved += n }
        let indexSeconds = moved > 0 ? (clock.now - indexing).seconds : 0
        let stored = Double(try await store.eventCount())
        await store.close()
        return Ceiling(commit: stored / seconds, index: moved > 0 ? Double(moved) / indexSeconds : nil, sustained: stored / (seconds + indexSeconds))
    }

    /// Seconds until the store at `target` has nothing left in its recent tier (the running
    /// aggregator's indexer moved it all), polled every 50 ms for at most ten minutes.
    func untilIndexed(_ target: Target) async throws -> Double {
        let store: any RecentTierStore
        switch target {
        case .sqlite(let path): store = try SQLiteEventStore(path: path, readOnly: true)
        case .postgres: store = try await target.open()
        }
        defer { Task { await store.close() } }
        let clock = ContinuousClock()
        let started = clock.now
        while try await store.recentBacklog().events > 0 {
            guard clock.now - started < .seconds(600) else { throw ValidationError("the recent tier did not empty within ten minutes") }
            try await Task.sleep(for: .milliseconds(50))
        }
        return (clock.now - started).seconds
    }

    /// A fresh aggregator on `target`; every agent sends its batches one at a time.
    /// A product built beside the bench executable.
    static func product(_ name: String) -> String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name).path
    }

    /// Starts `aggregator serve` on `target`; returns the process and its ingest port.
    func startAggregator(_ target: Target) async throws -> (RunningProcess, Int) {
        let config = directory.appendingPathComponent("aggregator-\(UUID().uuidString).yaml").path
        try """
            city: city.yaml
            ingest:
              host: 127.0.0.1
              port: 0
              tls: {certificate: \(pki.directory.serverCertificatePath), key: \(pki.directory.serverKeyPath), client_ca: \(pki.directory.caCertificatePath)}
            metrics: {host: 127.0.0.1, port: 0}
            store:
              \(target.yaml)
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let server = try RunningProcess(path: Self.product("aggregator"), ["serve", "--config", config, "--log-level", "notice"])
        return (server, Int(try await server.waitFor(#"ingest_port=(\d+)"#)) ?? 0)
    }

    func endToEnd(_ target: Target, batches: [[Batch]]) async throws -> Run {
        let (server, port) = try await startAggregator(target)
        let caPath = pki.directory.caCertificatePath
        let credentials = Dictionary(uniqueKeysWithValues: agentIDs.map {
            ($0, (certificate: pki.directory.agentCertificatePath($0), key: pki.directory.agentKeyPath($0)))
        })

        let outcome = try await withThrowingTaskGroup(of: (events: Int, latencies: [Double]).self) { group in
            let start = AsyncGate(parties: batches.count)
            for agentBatches in batches {
                group.addTask {
                    let credential = credentials[agentBatches[0].agent]!
                    let client = HTTPClient(
                        eventLoopGroupProvider: .singleton,
                        configuration: .init(tlsConfiguration: try TLSConfigurations.client(
                            certificatePath: credential.certificate, keyPath: credential.key, serverCAPath: caPath)))
                    var latencies: [Double] = []
                    var events = 0
                    do {
                        try await Self.send(agentBatches[0], port: port, client: client)  // warm-up: TLS handshake, HTTP/2
                        await start.arrive()
                        let clock = ContinuousClock()
                        for batch in agentBatches.dropFirst() {
                            let sent = clock.now
                            try await Self.send(batch, port: port, client: client)
                            latencies.append((clock.now - sent).seconds)
                            events += batch.events.count
                        }
                    } catch {
                        try? await client.shutdown()
                        throw error
                    }
                    try await client.shutdown()
                    return (events, latencies)
                }
            }
            await start.waitUntilAllArrived()
            let clock = ContinuousClock()
            let started = clock.now
            var events = 0
            var latencies: [Double] = []
            for try await result in group {
                events += result.events
                latencies += result.latencies
            }
            return (events: events, seconds: (clock.now - started).seconds, latencies: latencies.sorted())
        }
        let indexing = try await untilIndexed(target)
        _ = await server.terminate()
        let l = outcome.latencies
        return Run(
            eventsPerSecond: Double(outcome.events) / outcome.seconds,
            indexedEventsPerSecond: Double(outcome.events) / (outcome.seconds + indexing),
            p50: l[l.count / 2], p99: l[min(l.count - 1, Int(Double(l.count) * 0.99))])
    }

    struct RefusedBatch: Error, CustomStringConvertible {
        let status: UInt
        var description: String { "the aggregator answered \(status)" }
    }

    /// Posts a batch until it is acked (a 503 from a saturated store is retried, as agents do).
    static func send(_ batch: Batch, port: Int, client: HTTPClient) async throws {
        for _ in 0..<100 {
            var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)/v1/batches")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: BatchMediaType.contentType)
            request.headers.add(name: "Content-Encoding", value: BatchMediaType.contentEncoding)
            request.body = .bytes(ByteBuffer(bytes: batch.body))
            let response = try await client.execute(request, timeout: .seconds(60))
            _ = try await response.body.collect(upTo: 1 << 20)
            if response.status.code == 200 { return }
            guard response.status.code == 503 || response.status.code == 429 else { throw RefusedBatch(status: response.status.code) }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw RefusedBatch(status: 503)
    }
}

/// The timed part starts when every agent has warmed up its connection.
actor AsyncGate {
    private let parties: Int
    private var arrived = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(parties: Int) { self.parties = parties }

    func arrive() async {
        arrived += 1
        if arrived == parties { for w in waiters { w.resume() } ; waiters = [] }
        else { await withCheckedContinuation { waiters.append($0) } }
    }

    func waitUntilAllArrived() async {
        if arrived < parties { await withCheckedContinuation { waiters.append($0) } }
    }
}
