@testable import EdgeAgent
import Foundation
import Shared
import Testing

@Suite struct AgentStatusBoardTests {
    func board() -> AgentStatusBoard {
        AgentStatusBoard(agentID: "agent-1", cameras: [("cam-a", "synthetic:walkers"), ("cam-b", "rtsp://u:pw@cam/1")], nowMs: 0)
    }

    func event(_ id: UInt64, _ camera: String = "cam-a", _ kind: EventKind = .intrusion, _ phase: EventPhase = .start) -> Event {
        Event(id: id, cameraID: camera, kind: kind, phase: phase, captureTimeMs: Int64(id))
    }

    @Test func ratesComeFromTheCountsBetweenSamples() {
        let b = board()
        b.sample(nowMs: 0, cpuTicks: { _ in nil })
        for _ in 0..<20 { b.frameAnalysed(camera: "cam-a", width: 640, height: 360, detectionNanos: 25_000_000, nowMs: 3_000) }
        b.decoderStarted(camera: "cam-b", pid: 7)
        b.sample(nowMs: 1_000, cpuTicks: { _ in 100 }, ticksPerSecond: 100)
        b.sample(nowMs: 4_000, cpuTicks: { _ in 400 }, ticksPerSecond: 100)
        let cameras = b.cameras(nowMs: 5_000, controls: nil)
        #expect(cameras.map(\.id) == ["cam-a", "cam-b"])
        // 20 frames over the 4 s between the first and the third sample were counted in the second.
        #expect(cameras[0].fps == 0, "no frames between the last two samples")
        #expect(cameras[0].frames == 20 && cameras[0].width == 640 && cameras[0].lastFrameAgeMs == 2_000)
        #expect(cameras[1].decodeLoad == 1.0, "300 ticks at 100/s over 3 s: one core")
        #expect(cameras[1].source == "rtsp://u:***@cam/1")
    }

    @Test func fpsAndDetectionLoad() {
        let b = board()
        b.sample(nowMs: 0, cpuTicks: { _ in nil })
        for _ in 0..<10 { b.frameAnalysed(camera: "cam-a", width: 64, height: 64, detectionNanos: 50_000_000, nowMs: 1) }
        b.sample(nowMs: 2_000, cpuTicks: { _ in nil })
        let a = b.cameras(nowMs: 2_000, controls: nil)[0]
        #expect(a.fps == 5)
        #expect(abs(a.detectionLoad - 0.25) < 1e-9, "0.5 s of detection in 2 s")
    }

    @Test func tamperStateFollowsLifecycles() {
        let b = board()
        b.record([event(1, "cam-b", .tamperCovered), event(2, "cam-b", .videoLoss)])
        #expect(b.cameras(nowMs: 0, controls: nil)[1].tamper == ["tamper_covered", "video_loss"])
        b.record([event(3, "cam-b", .tamperCovered, .end)])
        #expect(b.cameras(nowMs: 0, controls: nil)[1].tamper == ["video_loss"])
        #expect(b.cameras(nowMs: 0, controls: nil)[1].events == 3)
    }

    @Test func recentEventsAreARing_oldestFirst() {
        let b = board()
        let n = AgentStatusBoard.recentEventCapacity + 10
        b.record((1...UInt64(n)).map { event($0) })
        let all = b.recentEvents(limit: 10_000)
        #expect(all.count == AgentStatusBoard.recentEventCapacity)
        #expect(all.first?.id == 11 && all.last?.id == UInt64(n))
        #expect(b.recentEvents(limit: 3).map(\.id) == [UInt64(n - 2), UInt64(n - 1), UInt64(n)])
    }

    @Test func followersGetNewEvents_andEndWhenFinished() async {
        let b = board()
        let stream = b.follow()
        b.record([event(1), event(2)])
        b.finishFollowers()
        var seen: [UInt64] = []
        for await e in stream { seen.append(e.id) }
        #expect(seen == [1, 2])
    }

    @Test func aSnapshotWaitsForTheNextFrame_orTimesOut() async throws {
        let b = board()
        #expect(!b.wantsSnapshot("cam-a"))
        async let png = b.snapshot("cam-a", timeout: .seconds(10))
        while !b.wantsSnapshot("cam-a") { try await Task.sleep(for: .milliseconds(5)) }
        b.deliverSnapshot("cam-a", png: [1, 2, 3])
        #expect(try await png == [1, 2, 3])
        #expect(!b.wantsSnapshot("cam-a"))

        await #expect(throws: SnapshotTimeout.self) { try await b.snapshot("cam-b", timeout: .milliseconds(50)) }
        #expect(!b.wantsSnapshot("cam-b"), "a timed-out request is forgotten")

        let cancelled = Task { try await b.snapshot("cam-a", timeout: .seconds(10)) }
        while !b.wantsSnapshot("cam-a") { try await Task.sleep(for: .milliseconds(5)) }
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        #expect(!b.wantsSnapshot("cam-a"))
    }

    @Test func linkStateFollowsTheShipper() {
        let b = board()
        #expect(b.link.state == "idle")
        b.sendFailed(endpoint: "https://a", error: "connection refused", nowMs: 5)
        #expect(b.link.state == "down" && b.link.retries == 1 && b.link.lastError == "connection refused")
        b.batchAcked(endpoint: "https://b", skewMs: -12, nowMs: 9)
        #expect(b.link.state == "up" && b.link.endpoint == "https://b" && b.link.clockSkewMs == -12 && b.link.lastAckMs == 9)
    }

    @Test func theHealthReport_countsLiveAndTamperedCameras_andCarriesSkewAndCertificate() throws {
        let b = board()
        b.frameAnalysed(camera: "cam-a", width: 64, height: 64, detectionNanos: 1, nowMs: 100_000)
        b.record([event(1, "cam-b", .videoLoss)])
        b.batchAcked(endpoint: "https://a", skewMs: 75, nowMs: 100_000)
        let spool = SpoolStatus(
            bytes: 10, maxBytes: 100, backlogBytes: 7, segments: 1, oldestEventAgeMs: 4_000, evictedEvents: 2, unreportedEvictedEvents: 0,
            corruptRecords: 0, deadLetters: 1)
        let health = AgentStatusService.health(
            nowMs: 110_000, spool: spool, link: b.link, certificateNotAfterMs: 999, cameras: b.cameras(nowMs: 110_000, controls: nil))
        #expect(health == AgentHealth(
            sampledAtMs: 110_000, spoolBacklogBytes: 7, oldestEventAgeMs: 4_000, clockSkewMs: 75, certificateNotAfterMs: 999, cameras: 2,
            camerasOnline: 1, tamperedCameras: ["cam-b"], deadLetters: 1, evictedEvents: 2))
        // What the shipper attaches passes the wire's checks.
        #expect(throws: Never.self) { try BatchEncoder().encode(EventBatch(agentID: "agent-1", batchSeq: 1, events: [event(2)], health: health)) }
    }

    @Test func processCPU_readsUserAndSystemTicks_evenWithSpacesInTheName() {
        #expect(ProcessCPU.ticks(statLine: "123 (ff mpeg) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 1 0") == 300)
        #expect(ProcessCPU.ticks(statLine: "garbage") == nil)
        #expect(ProcessCPU.ticks(getpid()) != nil)
    }

    @Test func redaction_masksURLPasswordsAndSecretValues_keepsPaths() {
        #expect(SourceURL.redacted("rtsp://admin:hunter2@10.0.0.1/stream") == "rtsp://admin:***@10.0.0.1/stream")
        #expect(SourceURL.redacted("rtsp://10.0.0.1/stream") == "rtsp://10.0.0.1/stream")
        #expect(SourceURL.redacted("rtsp://admin@10.0.0.1/") == "rtsp://admin@10.0.0.1/")
        #expect(SourceURL.redactingCredentials(in: "rtsp://a:b@h/x: 401 Unauthorized") == "rtsp://a:***@h/x: 401 Unauthorized")
        let yaml = """
            cameras:
              - {id: c1, source: "rtsp://u:p4ss@cam/1"}
            password: hunter2
            api_token: abc
            secret_file: /etc/secret
            tls: {key: /var/lib/key.pem}
            """
        let out = ConfigRedaction.redact(yaml)
        #expect(!out.contains("p4ss") && !out.contains("hunter2") && !out.contains("abc"))
        #expect(out.contains("rtsp://u:***@cam/1") && out.contains("secret_file: /etc/secret") && out.contains("/var/lib/key.pem"))
    }
}
