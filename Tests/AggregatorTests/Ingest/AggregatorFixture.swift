@testable import Aggregator
import AsyncHTTPClient
import Foundation
import GRDB
import NIOCore
import NIOHTTP1
import NIOSSL
import Shared
import TestSupport

/// A real `aggregator serve` on loopback with a throwaway PKI and city: agent-1 owns
/// cam-1-01…08 in district north, agent-2 owns cam-2-01…08 in district south.
final class AggregatorFixture {
    let pki: TestPKI
    let directory: URL
    let configPath: String
    let databasePath: String
    private(set) var server: RunningProcess?
    private(set) var port = 0
    private(set) var metricsPort = 0

    /// Where the fixture's aggregator stores events.
    enum Store {
        /// `path` relative to the fixture's directory.
        case sqlite(path: String = "events.sqlite")
        case postgres(port: Int, database: String)
    }

    /// `dictionaries`: file names (in the fixture's directory) for `ingest.dictionaries`. The
    /// trust domain is left to its default, the city id.
    /// `ingestPort`: a fixed port (to restart on the same one), else 0 (any free port).
    /// `extraConfig`: YAML appended to the configuration (e.g. a `scenarios:` section).
    init(dictionaries: [(name: String, bytes: [UInt8])] = [], store: Store = .sqlite(), ingestPort: Int = 0, extraConfig: String = "") throws {
        pki = try TestPKI(city: "testcity", agents: ["agent-1", "agent-2", "stranger"], expiredAgents: ["agent-expired"])
        directory = try TestPaths.temporaryDirectory("aggregator")
        let storeYAML: String
        switch store {
        case .sqlite(let path):
            databasePath = directory.appendingPathComponent(path).path
            storeYAML = "sqlite:\n    path: \(path)"
        case .postgres(let port, let database):
            databasePath = ""
            storeYAML = "postgres: {host: 127.0.0.1, port: \(port), user: citywatch, database: \(database), tls: disable}"
        }
        let cameras = (1...2).flatMap { agent in
            (1...8).map { c in
                "  - {id: cam-\(agent)-0\(c), agent: agent-\(agent), district: \(agent == 1 ? "north" : "south")}"
            }
        }.joined(separator: "\n")
        let city = """
            city: testcity
            districts:
              - {id: north, name: North, adjacent: [south]}
              - {id: south, name: South}
            cameras:
            \(cameras)
            """
        try city.write(to: directory.appendingPathComponent("city.yaml"), atomically: true, encoding: .utf8)
        configPath = directory.appendingPathComponent("aggregator.yaml").path
        let config = """
            city: city.yaml
            ingest:
              host: 127.0.0.1
              port: \(ingestPort)
              tls:
                certificate: \(pki.directory.serverCertificatePath)
                key: \(pki.directory.serverKeyPath)
                client_ca: \(pki.directory.caCertificatePath)
              dictionaries: [\(dictionaries.map(\.name).joined(separator: ", "))]
            metrics:
              host: 127.0.0.1
              port: 0
            store:
              \(storeYAML)
            \(extraConfig)
            """
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        for dictionary in dictionaries {
            try Data(dictionary.bytes).write(to: directory.appendingPathComponent(dictionary.name))
        }
    }

    /// Starts (or restarts) the server and waits until it listens. `launcher`: a program and its
    /// arguments that exec the aggregator's path and arguments appended to them (e.g. `unshare`).
    func start(launcher: [String] = []) async throws {
        let arguments = ["serve", "--config", configPath]
        let server = launcher.isEmpty
            ? try RunningProcess("aggregator", arguments)
            : try RunningProcess(path: launcher[0], Array(launcher.dropFirst()) + [ProcessRunner.productsDirectory.appendingPathComponent("aggregator").path] + arguments)
        self.server = server
        port = Int(try await server.waitFor(#"ingest_port=(\d+)"#)) ?? 0
        metricsPort = Int(try await server.waitFor(#"metrics_port=(\d+)"#)) ?? 0
    }

    /// SIGTERM; returns the exit status (0: a graceful stop).
    @discardableResult
    func stop() async -> Int32? {
        await server?.terminate()
    }

    func cleanUp() async {
        await stop()
        pki.cleanUp()
        try? FileManager.default.removeItem(at: directory)
    }

    /// (event ids, rows) of `agent` in the SQLite store, both tiers in one snapshot, read beside
    /// the running server.
    func storedEvents(agent: String) throws -> (ids: Set<Int64>, rows: Int) {
        var configuration = Configuration()
        configuration.readonly = true
        let reader = try DatabaseQueue(path: databasePath, configuration: configuration)
        defer { try? reader.close() }
        // One row per stored copy, both tiers: a duplicate would show twice.
        let ids = try reader.read { db in
            try Int64.fetchAll(db, sql: "SELECT event_id FROM events_indexed WHERE agent_id = ?", arguments: [agent])
                + SQLiteEventStore.recentRows(db, fromMs: nil, toMs: nil, agent: agent).map(\.eventID)
        }
        return (Set(ids), ids.count)
    }

    /// An HTTPS client presenting `agent`'s certificate (nil: no client certificate).
    func client(agent: String?, http1Only: Bool = false) throws -> HTTPClient {
        var tls: TLSConfiguration
        if let agent {
            tls = try TLSConfigurations.client(
                certificatePath: pki.directory.agentCertificatePath(agent), keyPath: pki.directory.agentKeyPath(agent),
                serverCAPath: pki.directory.caCertificatePath)
        } else {
            tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(pki.directory.caCertificatePath))
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.httpVersion = http1Only ? .http1Only : .automatic
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Runs `body` with a client for `agent` and shuts the client down whatever happens.
    func withClient<T>(agent: String?, http1Only: Bool = false, _ body: (HTTPClient) async throws -> T) async throws -> T {
        let client = try client(agent: agent, http1Only: http1Only)
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// The Prometheus exposition text from the metrics listener.
    func scrapeMetrics() async throws -> String {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let response = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(metricsPort)/metrics"), timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 4 << 20)
            try await client.shutdown()
            return String(buffer: body)
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    struct Reply {
        var status: Int
        var body: [UInt8]
        var retryAfter: String?
        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] }
        var errorCode: String? { (json?["error"] as? [String: Any])?["code"] as? String }
        func ack() throws -> BatchAck { try BatchAck(serializedBytes: body) }
    }

    func post(
        _ body: [UInt8], client: HTTPClient, contentType: String = BatchMediaType.contentType, timeout: Duration = .seconds(20)
    ) async throws -> Reply {
        try await Self.post(body, port: port, client: client, contentType: contentType, timeout: timeout)
    }

    /// The same, callable from a child task (no fixture state).
    static func post(
        _ body: [UInt8], port: Int, client: HTTPClient, contentType: String = BatchMediaType.contentType, timeout: Duration = .seconds(20)
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: "https://127.0.0.1:\(port)/v1/batches")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: contentType)
        request.headers.add(name: "Content-Encoding", value: BatchMediaType.contentEncoding)
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .seconds(timeout.components.seconds))
        let collected = try await response.body.collect(upTo: 1 << 20)
        return Reply(status: Int(response.status.code), body: Array(collected.readableBytesView), retryAfter: response.headers.first(name: "Retry-After"))
    }

    /// The next batch from `generator` (event ids keep increasing across batches).
    static func batch(
        _ generator: inout SyntheticEventGenerator, seq: UInt64, events: Int, health: AgentHealth? = nil
    ) throws -> (body: [UInt8], events: [Event]) {
        let generated = generator.next(count: events)
        let batch = EventBatch(agentID: generator.configuration.agentID, batchSeq: seq, events: generated, health: health)
        return (try BatchEncoder().encode(batch), generated)
    }

    static func generator(agent: String, seed: UInt64 = 1) -> SyntheticEventGenerator {
        var configuration = SyntheticEventGenerator.Configuration()
        configuration.agentID = agent
        configuration.seed = seed
        // Recent events: the retention service (30 days by default) would delete older ones.
        configuration.startTimeMs = Int64(Date().timeIntervalSince1970 * 1000) - 3_600_000
        return SyntheticEventGenerator(configuration: configuration)
    }
}
