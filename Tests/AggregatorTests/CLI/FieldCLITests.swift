import Foundation
import Shared
import Testing
import TestSupport

/// The field technician's `edge-agent` commands against a real running agent over its admin
/// socket: status, cameras, events, snapshots, spool and dead letters, config check, diag, and
/// the plain messages when the agent is not running or the user may not talk to it.
@Suite struct FieldCLITests {
    /// A running agent whose aggregator is unreachable (a closed port): cameras run, events spool.
    final class Box: @unchecked Sendable {
        let directory: URL
        let pki: TestPKI
        let configPath: String
        let socket: String
        var agent: RunningProcess?

        let ownsPKI: Bool

        /// `pki`: the aggregator's, when the agent should reach one.
        init(endpointPort: Int? = nil, pki shared: TestPKI? = nil, cameras: String? = nil, extra: String = "") throws {
            directory = try TestPaths.temporaryDirectory("fieldcli")
            pki = try shared ?? TestPKI(city: "testcity", agents: ["agent-1"])
            ownsPKI = shared == nil
            socket = directory.appendingPathComponent("admin.sock").path
            configPath = directory.appendingPathComponent("agent.yaml").path
            let port = try endpointPort ?? PostgresServer.freePort()
            let p = pki.directory
            try """
                agent_id: agent-1
                state_directory: state
                spool: {commit_interval_ms: 50}
                metrics: {port: 0}
                admin: {socket: \(socket)}
                shipping:
                  endpoints: [https://127.0.0.1:\(port)]
                  tls: {certificate: \(p.agentCertificatePath("agent-1")), key: \(p.agentKeyPath("agent-1")), ca: \(p.caCertificatePath)}
                  backoff_base_ms: 100
                  backoff_cap_ms: 500
                cameras:
                \(cameras ?? """
                  - {id: cam-1-01, source: "synthetic:walkers"}
                  - {id: cam-1-02, source: "rtsp://tech:hunter2@127.0.0.1:1/stream"}
                """)
                \(extra)
                """.write(toFile: configPath, atomically: true, encoding: .utf8)
        }

        func start() async throws {
            let agent = try RunningProcess("edge-agent", ["run", "--config", configPath, "--synthetic-speed", "4"])
            self.agent = agent
            _ = try await agent.waitFor("admin socket listening")
        }

        func cli(_ arguments: [String]) throws -> ProcessRunner.Output {
            try ProcessRunner.run("edge-agent", arguments + ["--config", configPath])
        }

        func json(_ arguments: [String]) throws -> [String: Any] {
            let out = try cli(arguments + ["--json"])
            #expect(out.status == 0, "\(arguments): \(out.stderr)")
            return try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any] ?? [:]
        }

        func cleanUp() async {
            _ = await agent?.terminate()
            if ownsPKI { pki.cleanUp() }
            try? FileManager.default.removeItem(at: directory)
        }
    }

    @Test func statusCamerasEventsSnapshotAndSpool_overTheAdminSocket() async throws {
        let box = try Box()
        defer { Task { await box.cleanUp() } }
        try await box.start()

        let mode = try FileManager.default.attributesOfItem(atPath: box.socket)[.posixPermissions] as? Int
        #expect(mode == 0o660, "the socket is for the service's group only")

        // Rates need a few seconds of frames; the unreachable aggregator shows as a down link.
        var status: [String: Any] = [:]
        let deadline = ContinuousClock.now + .seconds(30)
        repeat {
            try await Task.sleep(for: .milliseconds(500))
            status = try box.json(["status"])
        } while ContinuousClock.now < deadline
            && (((status["cameras"] as? [[String: Any]])?.first?["fps"] as? Double ?? 0) == 0 || (status["link"] as? [String: Any])?["state"] as? String != "down")
        #expect(status["agent_id"] as? String == "agent-1")
        #expect(status["version"] as? String == CitywatchVersion.current)
        let cameras = try #require(status["cameras"] as? [[String: Any]])
        #expect(cameras.map { $0["id"] as? String } == ["cam-1-01", "cam-1-02"])
        #expect((cameras[0]["fps"] as? Double ?? 0) > 0)
        #expect((cameras[0]["frames"] as? Int ?? 0) > 0)
        #expect(cameras[0]["last_frame_age_ms"] as? Int != nil)
        #expect(cameras[1]["source"] as? String == "rtsp://tech:***@127.0.0.1:1/stream", "no password in status")
        let link = try #require(status["link"] as? [String: Any])
        #expect(link["state"] as? String == "down" && (link["retries"] as? Int ?? 0) > 0)
        let certificate = try #require(status["certificate"] as? [String: Any])
        #expect((certificate["expires_in_s"] as? Int ?? 0) > 80 * 86_400, "the test PKI's 90-day agent certificate")
        let spool = try #require(status["spool"] as? [String: Any])
        #expect((spool["backlog_bytes"] as? Int ?? 0) > 0)
        #expect(spool["oldest_event_age_ms"] as? Int != nil)

        // The unreachable camera is reported as video loss (its tamper state), once ffmpeg gave up a first time.
        let lost = try await eventually(.seconds(30)) {
            let c = try box.json(["status"])["cameras"] as? [[String: Any]]
            return (c?.last?["tamper"] as? [String])?.contains("video_loss") == true
        }
        #expect(lost, "the RTSP camera that cannot connect shows video_loss")

        let table = try box.cli(["status"])
        #expect(table.status == 0 && table.stdout.contains("cam-1-01") && table.stdout.contains("link     down"), "\(table.stdout)")
        let list = try box.cli(["cameras"])
        #expect(list.stdout.contains("CAMERA") && list.stdout.contains("cam-1-02") && !list.stdout.contains("hunter2"))

        let tail = try box.cli(["events", "tail", "-n", "5", "--json"])
        let events = try tail.stdout.split(separator: "\n").map { try Event.fromJSONLine(String($0)) }
        #expect(!events.isEmpty && events.count <= 5, "\(tail.stderr)")

        let png = box.directory.appendingPathComponent("cam.png").path
        let snapshot = try box.cli(["snapshot", "cam-1-01", "--out", png])
        #expect(snapshot.status == 0, "\(snapshot.stderr)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: png))
        #expect(bytes.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) && bytes.count > 1_000)
        let unknown = try box.cli(["snapshot", "cam-9-99", "--out", png])
        #expect(unknown.status == 1 && unknown.stderr.contains("no camera 'cam-9-99'"), "\(unknown.stderr)")

        let spoolStats = try box.json(["spool", "stats"])
        #expect((spoolStats["max_bytes"] as? Int ?? 0) == 1 << 30)

        // --follow: new events keep coming until the client hangs up.
        let follower = try RunningProcess(path: ProcessRunner.productsDirectory.appendingPathComponent("edge-agent").path, [
            "events", "tail", "-n", "0", "--follow", "--json", "--socket", box.socket,
        ])
        try await Task.sleep(for: .seconds(4))
        #expect(follower.isRunning, "--follow keeps running")
        _ = await follower.terminate()

        // SIGHUP (systemctl reload): the certificate files are read again, nothing stops.
        kill(box.agent!.pid, SIGHUP)
        _ = try await box.agent!.waitFor("SIGHUP: certificate files reloaded")
        #expect(box.agent!.isRunning)
        #expect(try box.cli(["status"]).status == 0)
    }

    @Test func aNeuralCamera_withoutItsModel_fallsBackLoudly_andWithIt_says_neural() async throws {
        let cameras = #"  - {id: cam-1-01, source: "synthetic:walkers", objects: {detector: neural}}"#
        let missing = try Box(cameras: cameras, extra: "detector: {model_directory: /nonexistent/models}")
        try await missing.start()
        _ = try await missing.agent!.waitFor("person detector unavailable")
        let fallback = try missing.json(["status"])["cameras"] as? [[String: Any]]
        #expect(fallback?.first?["detector"] as? String == "heuristic (person detector unavailable)")
        let analysing = try await eventually(.seconds(30)) {
            ((try missing.json(["status"])["cameras"] as? [[String: Any]])?.first?["frames"] as? Int ?? 0) > 0
        }
        #expect(analysing && missing.agent!.isRunning, "the camera keeps analysing frames")
        await missing.cleanUp()

        let models = TestPaths.modelDirectory
        let present = try Box(cameras: cameras, extra: "detector: {model_directory: \(models), max_inferences_per_s: 2}")
        try await present.start()
        _ = try await present.agent!.waitFor("person detector loaded")
        let neural = try present.json(["status"])["cameras"] as? [[String: Any]]
        #expect(neural?.first?["detector"] as? String == "neural")
        await present.cleanUp()
    }

    @Test func deadLetters_areListed_andRequeuedIntoTheSpool_reachingTheAggregator() async throws {
        let aggregator = try AggregatorFixture()
        try await aggregator.start()
        // cam-9-99 is not in the city: every batch is refused (403) and dead-lettered.
        let box = try Box(endpointPort: aggregator.port, pki: aggregator.pki, cameras: #"  - {id: cam-9-99, source: "synthetic:walkers"}"#)
        try await box.start()
        _ = try await box.agent!.waitFor("batch dead-lettered", timeout: .seconds(30))
        let listed = try box.cli(["spool", "dead-letters", "--json"])
        let entries = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(!entries.isEmpty && entries.allSatisfy { ($0["events"] as? Int ?? 0) > 0 }, "\(listed.stdout)")

        await box.cleanUp()

        // A dead letter whose cause was fixed (its camera is known): requeued, it is delivered. The
        // agent now runs only known cameras: a batch is refused whole (403), so with cam-9-99 still
        // running, the requeued events could share its batches and be dead-lettered again.
        let fixedBox = try Box(endpointPort: aggregator.port, pki: aggregator.pki, cameras: #"  - {id: cam-1-02, source: "synthetic:walkers"}"#)
        try await fixedBox.start()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let fixed = (1...5).map { Event(id: UInt64(now) * 1000 + UInt64($0), cameraID: "cam-1-01", kind: .intrusion, captureTimeMs: now - 1_000) }
        let name = "batch-42.zst"
        let letters = fixedBox.directory.appendingPathComponent("state/dead-letters")
        try FileManager.default.createDirectory(at: letters, withIntermediateDirectories: true)
        try Data(try BatchEncoder().encode(EventBatch(agentID: "agent-1", batchSeq: 42, events: fixed))).write(to: letters.appendingPathComponent(name))
        let requeued = try fixedBox.cli(["spool", "requeue", name, "--json"])
        #expect(requeued.status == 0 && requeued.stdout.contains(#""events":5"#), "\(requeued.stdout) \(requeued.stderr)")
        #expect(!FileManager.default.fileExists(atPath: letters.appendingPathComponent(name).path), "requeued means removed")
        let stored = try await eventually(.seconds(90)) {
            let out = try ProcessRunner.runTool("/usr/bin/python3", [
                "-c", "import sqlite3,sys; c=sqlite3.connect('file:'+sys.argv[1]+'?mode=ro', uri=True); print(c.execute(\"SELECT count(*) FROM events WHERE camera_id='cam-1-01'\").fetchone()[0])",
                aggregator.databasePath,
            ])
            return out.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "5"
        }
        #expect(stored, "the requeued events reach the store once")

        let bad = try fixedBox.cli(["spool", "requeue", "../etc/passwd"])
        #expect(bad.status == 1 && bad.stderr.contains("not a dead-letter file name"), "\(bad.stderr)")
        let neither = try fixedBox.cli(["spool", "requeue"])
        #expect(neither.status != 0 && neither.stderr.contains("--all"))
        await fixedBox.cleanUp()
        await aggregator.cleanUp()
    }

    @Test func aStoppedAgent_andAUserOutsideTheGroup_getPlainMessages() async throws {
        let box = try Box()
        defer { Task { await box.cleanUp() } }
        let stopped = try box.cli(["status"])
        #expect(stopped.status == 69 && stopped.stderr.contains("not running") && stopped.stderr.contains(box.socket), "\(stopped.stderr)")

        try await box.start()
        // The socket is 0660 root:root; `nobody` is outside its group.
        // A copy `nobody` can execute wherever the build directory is (a home directory may be 0700).
        let binary = box.directory.appendingPathComponent("edge-agent").path
        try FileManager.default.copyItem(atPath: ProcessRunner.productsDirectory.appendingPathComponent("edge-agent").path, toPath: binary)
        let denied = try ProcessRunner.runTool("/usr/bin/setpriv", [
            "--reuid=65534", "--regid=65534", "--clear-groups", binary, "status", "--socket", box.socket,
        ])
        #expect(denied.status == 77 && denied.stderr.contains("permission denied") && denied.stderr.contains("usermod -aG"), "\(denied.stderr)")

        _ = await box.agent?.terminate()
        #expect(!FileManager.default.fileExists(atPath: box.socket), "a stopped agent removes its socket")
    }

    @Test func configCheck_namesTheFileAndLine_ofEachProblem() throws {
        let box = try Box()
        defer { Task { await box.cleanUp() } }
        let ok = try ProcessRunner.run("edge-agent", ["config", "check", box.configPath])
        #expect(ok.status == 0 && ok.stdout.contains("OK (agent agent-1, 2 cameras)"), "\(ok.stdout)\(ok.stderr)")

        let broken = box.directory.appendingPathComponent("broken.yaml").path
        try (try String(contentsOfFile: box.configPath, encoding: .utf8))
            .replacingOccurrences(of: "synthetic:walkers", with: "synthetic:no-such-scene")
            .replacingOccurrences(of: box.pki.directory.agentCertificatePath("agent-1"), with: "/nonexistent/cert.pem")
            .write(toFile: broken, atomically: true, encoding: .utf8)
        let result = try ProcessRunner.run("edge-agent", ["config", "check", broken, "--json"])
        #expect(result.status == 78)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let errors = object?["errors"] as? [String] ?? []
        #expect(errors.contains { $0.hasPrefix("\(broken):12:") && $0.contains("unknown synthetic scene 'no-such-scene'") }, "\(errors)")
        #expect(errors.contains { $0.hasPrefix("\(broken):8:") && $0.contains("/nonexistent/cert.pem") }, "\(errors)")

        let typo = box.directory.appendingPathComponent("typo.yaml").path
        try "agent_id: a\ncameras: []\nstate_directroy: /tmp\n".write(toFile: typo, atomically: true, encoding: .utf8)
        let unknownKey = try ProcessRunner.run("edge-agent", ["config", "check", typo])
        #expect(unknownKey.status == 78 && unknownKey.stdout.contains("\(typo):3:"), "\(unknownKey.stdout)")
    }

    @Test func diag_bundlesStatusLogsAndTheConfigurationWithoutSecrets() async throws {
        let box = try Box()
        defer { Task { await box.cleanUp() } }
        try await box.start()
        try await Task.sleep(for: .seconds(2))
        let bundle = box.directory.appendingPathComponent("diag.tar.gz").path
        let result = try box.cli(["diag", "--out", bundle, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let unpacked = box.directory.appendingPathComponent("unpacked")
        try FileManager.default.createDirectory(at: unpacked, withIntermediateDirectories: true)
        _ = try ProcessRunner.runTool("/usr/bin/tar", ["-xzf", bundle, "-C", unpacked.path])
        let root = unpacked.appendingPathComponent("edge-agent-diag")
        for file in ["status.json", "cameras.json", "spool.json", "agent.log", "config.yaml", "versions.txt", "events.jsonl"] {
            #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent(file).path), "\(file) in the bundle")
        }
        let config = try String(contentsOf: root.appendingPathComponent("config.yaml"), encoding: .utf8)
        #expect(config.contains("rtsp://tech:***@127.0.0.1:1/stream") && !config.contains("hunter2"))
        let log = try String(contentsOf: root.appendingPathComponent("agent.log"), encoding: .utf8)
        #expect(log.contains("agent running") && !log.contains("hunter2"), "the agent's recent log, passwords masked")
        let versions = try String(contentsOf: root.appendingPathComponent("versions.txt"), encoding: .utf8)
        #expect(versions.contains("edge-agent \(CitywatchVersion.current)") && versions.contains("ffmpeg"))
        let mode = try FileManager.default.attributesOfItem(atPath: bundle)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func camerasTest_measuresTheStream_andRunsDetection_withoutTheDaemon() throws {
        let box = try Box()
        defer { Task { await box.cleanUp() } }
        let clip = box.directory.appendingPathComponent("clip.mp4").path
        _ = try ProcessRunner.runTool("/usr/bin/ffmpeg", [
            "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10", "-t", "3", "-pix_fmt", "yuv420p", clip,
        ])
        let config = try String(contentsOfFile: box.configPath, encoding: .utf8) + "\n  - {id: cam-clip, source: \"\(clip)\"}\n"
        try config.write(toFile: box.configPath, atomically: true, encoding: .utf8)

        let result = try ProcessRunner.run("edge-agent", ["cameras", "test", "cam-clip", "--config", box.configPath, "--seconds", "2", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        #expect(report["codec"] as? String == "h264")
        #expect(report["stream_width"] as? Int == 320 && report["stream_height"] as? Int == 240)
        #expect(abs((report["stream_fps"] as? Double ?? 0) - 10) < 0.01)
        #expect((report["frames"] as? Int ?? 0) >= 4, "about 5 fps for 2 s: \(report)")
        #expect(report["first_frame_ms"] as? Int != nil && report["detect_ms_p50"] as? Double != nil)

        let dead = try ProcessRunner.run("edge-agent", ["cameras", "test", "cam-1-02", "--config", box.configPath, "--seconds", "2"])
        #expect(dead.status == 2 && dead.stdout.contains("probe failed") && dead.stdout.contains("no frames") && !dead.stdout.contains("hunter2"), "\(dead.stdout)")
        let unknown = try ProcessRunner.run("edge-agent", ["cameras", "test", "cam-nope", "--config", box.configPath])
        #expect(unknown.status == 64 && unknown.stderr.contains("cam-1-01, cam-1-02, cam-clip"))
    }
}
