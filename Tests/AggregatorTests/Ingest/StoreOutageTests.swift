@testable import Aggregator
import AsyncHTTPClient
import Foundation
import Shared
import Testing
import TestSupport

/// A real `aggregator serve` whose store goes away: PostgreSQL stopped, the SQLite file locked
/// by another writer, the disk full. Each time: 503 with Retry-After and `store_unavailable`,
/// nothing acked that was not committed, and the same batch is accepted once the store is back.
@Suite struct StoreOutageTests {
    /// Resends `body` until it is acked (bounded); returns the ack.
    static func resendUntilAcked(_ fixture: AggregatorFixture, _ body: [UInt8], client: HTTPClient) async throws -> BatchAck {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let reply = try? await fixture.post(body, client: client), reply.status == 200 { return try reply.ack() }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw NotAcked()
    }

    struct NotAcked: Error {}

    static func expectStoreUnavailable(_ reply: AggregatorFixture.Reply) {
        #expect(reply.status == 503)
        #expect(reply.errorCode == "store_unavailable")
        #expect(reply.retryAfter != nil)
    }

    @Test func postgresStopped_isA503_andTheBatchIsStoredOnceWhenItReturns() async throws {
        let server = try PostgresServer.start()
        defer { try? server.stop() }
        let database = try server.createDatabase()
        let fixture = try AggregatorFixture(store: .postgres(port: server.port, database: database))
        try await fixture.start()
        var generator = AggregatorFixture.generator(agent: "agent-1")
        let first = try AggregatorFixture.batch(&generator, seq: 1, events: 50)
        let second = try AggregatorFixture.batch(&generator, seq: 2, events: 70)
        func stored() throws -> String { try server.psql("SELECT count(*) || '/' || count(DISTINCT event_id) FROM events", database: database) }
        /// Rows and distinct events once the indexer has moved the recent batches (SQL cannot read them).
        func indexed(_ expected: String) async throws -> Bool {
            try await eventually(.seconds(30)) {
                try server.psql("SELECT count(*) FROM recent_batches", database: database) == "0" && stored() == expected
            }
        }

        try await fixture.withClient(agent: "agent-1") { client in
            #expect(try await fixture.post(first.body, client: client).status == 200)
            #expect(try await indexed("50/50"), "\((try? stored()) ?? "")")

            try server.stop()
            Self.expectStoreUnavailable(try await fixture.post(second.body, client: client, timeout: .seconds(30)))
            #expect(fixture.server?.isRunning == true)

            try server.startServer()
            let ack = try await Self.resendUntilAcked(fixture, second.body, client: client)
            #expect(ack.committedSeq == 2)
            #expect(try await fixture.post(second.body, client: client).status == 200)  // a duplicate now
        }
        #expect(try await indexed("120/120"), "\((try? stored()) ?? "")")
        #expect(try server.psql("SELECT committed_seq FROM agents WHERE agent_id = 'agent-1'", database: database) == "2")
        #expect(await fixture.stop() == 0)
        await fixture.cleanUp()
    }

    @Test func sqliteLockedByAnotherWriter_isA503_andRecovers() async throws {
        let fixture = try AggregatorFixture()
        try await fixture.start()
        var generator = AggregatorFixture.generator(agent: "agent-1")
        let first = try AggregatorFixture.batch(&generator, seq: 1, events: 10)
        let second = try AggregatorFixture.batch(&generator, seq: 2, events: 10)
        try await fixture.withClient(agent: "agent-1") { client in
            #expect(try await fixture.post(first.body, client: client).status == 200)
            // Another process takes the write lock and keeps it until its stdin closes.
            let holder = Process()
            holder.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            holder.arguments = [
                "-c",
                "import sqlite3,sys; c=sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); sys.stdin.read()",
                fixture.databasePath,
            ]
            let input = Pipe(), output = Pipe()
            holder.standardInput = input
            holder.standardOutput = output
            try holder.run()
            #expect(String(decoding: output.fileHandleForReading.availableData, as: UTF8.self).hasPrefix("locked"))

            // The store waits out its busy timeout (5 s), then refuses.
            Self.expectStoreUnavailable(try await fixture.post(second.body, client: client, timeout: .seconds(30)))
            try input.fileHandleForWriting.close()
            holder.waitUntilExit()
            #expect(try await Self.resendUntilAcked(fixture, second.body, client: client).committedSeq == 2)
        }
        #expect(try await IngestTests().storedCount(fixture) == 20)
        await fixture.cleanUp()
    }

    /// The database on a 8 MiB tmpfs in the aggregator's own mount namespace; the test fills
    /// that filesystem through /proc/PID/root, then frees it.
    @Test func sqliteDiskFull_isA503_andRecovers() async throws {
        let fixture = try AggregatorFixture(store: .sqlite(path: "volume/events.sqlite"))
        let volume = fixture.directory.appendingPathComponent("volume").path
        try FileManager.default.createDirectory(atPath: volume, withIntermediateDirectories: true)
        // As root a mount namespace is enough; otherwise a user namespace maps us to root in it.
        let unshare = ["/usr/bin/unshare", geteuid() == 0 ? "-m" : "-rm", "/bin/sh", "-c", #"mount -t tmpfs -o size=8m tmpfs "$0" && exec "$@""#, volume]
        try await fixture.start(launcher: unshare)
        let pid = try #require(fixture.server?.pid)
        let inside = "/proc/\(pid)/root\(volume)"
        var generator = AggregatorFixture.generator(agent: "agent-1")
        let first = try AggregatorFixture.batch(&generator, seq: 1, events: 10)
        // Larger than what the write-ahead log already holds, so its commit needs new space.
        let second = try AggregatorFixture.batch(&generator, seq: 2, events: 3_000)

        try await fixture.withClient(agent: "agent-1") { client in
            #expect(try await fixture.post(first.body, client: client).status == 200)
            let filler = "\(inside)/filler"
            let fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            try #require(fd >= 0)
            let chunk = [UInt8](repeating: 0, count: 64 << 10)
            var written = 0
            while written < 16 << 20, chunk.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 { written += chunk.count }
            close(fd)
            #expect(written < 8 << 20)  // it hit the end of the 8 MiB volume

            Self.expectStoreUnavailable(try await fixture.post(second.body, client: client, timeout: .seconds(30)))
            #expect(fixture.server?.isRunning == true)
            unlink(filler)
            #expect(try await Self.resendUntilAcked(fixture, second.body, client: client).committedSeq == 2)
        }
        // Read inside the namespace while the server still runs (the volume ends with it; SQLite
        // resolves /proc/PID/root to our own root, so the reader runs in there).
        let enter = geteuid() == 0 ? ["-m"] : ["-U", "-m", "--preserve-credentials"]
        let counted = try ProcessRunner.runTool("/usr/bin/nsenter", ["-t", "\(pid)"] + enter + [
            "/usr/bin/python3", "-c",
            "import sqlite3,sys; c=sqlite3.connect('file:'+sys.argv[1]+'?mode=ro', uri=True); print(c.execute('SELECT (SELECT count(*) FROM events) + (SELECT coalesce(sum(event_count), 0) FROM recent_batches), (SELECT committed_seq FROM agents)').fetchone())",
            "\(volume)/events.sqlite",
        ])
        #expect(counted.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "(3010, 2)", "\(counted.stderr)")
        await fixture.cleanUp()
    }
}
