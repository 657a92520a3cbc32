@testable import EdgeAgent
import Foundation
import Logging
import Shared
import Testing
import TestSupport

/// Real ffmpeg: clips made with its lavfi sources, a real RTSP stream on loopback, and stand-in
/// decoders (scripts) that stall or die, to exercise the watchdog and restarts.
@Suite(.serialized) struct FFmpegFrameSourceTests {
    let dir: URL
    init() throws { dir = try TestPaths.temporaryDirectory("ffmpeg") }

    var logger: Logger {
        var l = Logger(label: "test.ffmpeg")
        l.logLevel = .critical
        return l
    }

    func makeClip(seconds: Int = 3, name: String = "clip.mp4") throws -> String {
        let path = dir.appendingPathComponent(name).path
        let made = try ProcessRunner.runTool("/usr/bin/env", [
            "ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=10",
            "-t", "\(seconds)", "-pix_fmt", "yuv420p", "-c:v", "libx264", "-g", "10", path,
        ])
        try #require(made.status == 0, "ffmpeg could not make a clip: \(made.stderr)")
        return path
    }

    func collect(_ source: FFmpegFrameSource, limit: Int = 1_000, timeout: Duration = .seconds(60)) async -> [CaptureEvent] {
        await withTaskGroup(of: [CaptureEvent].self) { group in
            group.addTask {
                var events: [CaptureEvent] = []
                for await event in source {
                    events.append(event)
                    if events.count >= limit { break }
                }
                return events
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return []
            }
            let first = await group.next() ?? []
            group.cancelAll()
            return first
        }
    }

    func frames(_ events: [CaptureEvent]) -> [Frame] {
        events.compactMap { if case .frame(let f) = $0 { f } else { nil } }
    }

    @Test func file_isDecodedAtTheDetectSizeAndFps() async throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let clip = try makeClip(seconds: 3)
        var c = FFmpegFrameSource.Configuration(url: clip)
        c.width = 160
        c.height = 96
        c.fps = 5
        let events = await collect(FFmpegFrameSource(configuration: c, logger: logger))
        let got = frames(events)
        #expect((14...16).contains(got.count), "\(got.count) frames")
        #expect(got.allSatisfy { $0.width == 160 && $0.height == 96 && $0.luma.count == 160 * 96 && $0.chroma?.cb.count == 80 * 48 })
        #expect(got.map(\.index) == Array(0..<got.count))
        #expect(zip(got, got.dropFirst()).allSatisfy { $1.captureTimeMs - $0.captureTimeMs == 200 })
        #expect(!events.contains { if case .videoLost = $0 { true } else { false } })

        // The frames are ffmpeg's own output for the same filters, plane for plane: the reader
        // neither shifts nor mixes frames when it cuts the pipe into planes.
        let raw = dir.appendingPathComponent("reference.yuv").path
        let reference = try ProcessRunner.runTool("/usr/bin/env", [
            "ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", clip, "-an",
            "-vf", "fps=5,scale=160:96", "-pix_fmt", "yuv420p", "-f", "rawvideo", raw,
        ])
        try #require(reference.status == 0, "\(reference.stderr)")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: raw)))
        let frameBytes = 160 * 96 * 3 / 2
        try #require(got.count >= 8, "too few frames to compare: \(got.count)")
        for frame in [got[0], got[7], got[got.count - 1]] {
            let start = frame.index * frameBytes
            try #require(start + frameBytes <= bytes.count)
            #expect(frame.luma == Array(bytes[start..<(start + 160 * 96)]), "luma of frame \(frame.index)")
            let cb = start + 160 * 96, cr = cb + 80 * 48
            #expect(frame.chroma?.cb == Array(bytes[cb..<cr]) && frame.chroma?.cr == Array(bytes[cr..<(cr + 80 * 48)]), "chroma of frame \(frame.index)")
        }
        #expect(got[0].luma != got[7].luma)
    }

    @Test func keyframesOnly_decodesFewerFrames() async throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = FFmpegFrameSource.Configuration(url: try makeClip(seconds: 3))
        c.width = 160
        c.height = 96
        c.keyframesOnly = true
        let got = frames(await collect(FFmpegFrameSource(configuration: c, logger: logger)))
        #expect((2...4).contains(got.count), "\(got.count) keyframes in a 3 s clip with a 1 s GOP")
    }

    /// A live source whose "ffmpeg" is a shell script standing in for a misbehaving decoder
    /// (64×64 grey frames).
    func stubDecoder(_ name: String, _ body: String, maxRestarts: Int) throws -> FFmpegFrameSource.Configuration {
        let script = dir.appendingPathComponent(name).path
        try "#!/bin/sh\n\(body)\n".write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        var c = FFmpegFrameSource.Configuration(url: "rtsp://camera.invalid/stream")
        c.width = 64
        c.height = 64
        c.chroma = false
        c.ffmpegPath = script
        c.initialBackoff = 0.1
        c.maxRestarts = maxRestarts
        return c
    }

    /// A decoder that sends two frames then hangs: the watchdog reports a stall and restarts it.
    @Test func stalledDecoder_isRestartedAndReportedAsVideoLoss() async throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = try stubDecoder("stall.sh", "head -c \(64 * 64 * 2) /dev/zero\nexec sleep 30", maxRestarts: 2)
        c.stallTimeout = 1
        let events = await collect(FFmpegFrameSource(configuration: c, logger: logger))
        let losses = events.compactMap { if case .videoLost(let reason, let restarts, _) = $0 { (reason, restarts) } else { nil } }
        #expect(losses.map(\.0) == ["stall", "stall", "stall"])
        #expect(losses.map(\.1) == [1, 2, 3])
        #expect(frames(events).count == 6)  // two per run
        #expect(events.contains { if case .videoRestored = $0 { true } else { false } })
    }

    /// A decoder that dies: reported with its exit status, restarted with backoff.
    @Test func dyingDecoder_isRestarted() async throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = try stubDecoder("die.sh", "head -c \(64 * 64) /dev/zero\nexit 3", maxRestarts: 1)
        let events = await collect(FFmpegFrameSource(configuration: c, logger: logger))
        let reasons = events.compactMap { if case .videoLost(let reason, _, _) = $0 { reason } else { nil } }
        #expect(reasons == ["exit 3", "exit 3"])
        #expect(frames(events).count == 2)
    }

    /// Nothing listens: ffmpeg fails at once, again and again; the source keeps trying (here up to
    /// a bound) without crashing.
    @Test func unreachableSource_retriesWithoutCrashing() async throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        var c = FFmpegFrameSource.Configuration(url: "rtsp://127.0.0.1:9/none")
        c.width = 64
        c.height = 64
        c.initialBackoff = 0.1
        c.maxRestarts = 2
        let events = await collect(FFmpegFrameSource(configuration: c, logger: logger))
        #expect(frames(events).isEmpty)
        #expect(events.count == 3)
    }

    /// A real RTSP stream on loopback: our ffmpeg listens, a publisher pushes a clip to it.
    @Test func rtspStreamOnLoopback_isReceived() async throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let clip = try makeClip(seconds: 4, name: "rtsp.mp4")
        let port = 20_000 + Int(getpid() % 20_000)
        var c = FFmpegFrameSource.Configuration(url: "rtsp://127.0.0.1:\(port)/live")
        c.width = 160
        c.height = 96
        c.inputOptions = ["-rtsp_flags", "listen"]
        c.stallTimeout = 15
        c.maxRestarts = 0
        let source = FFmpegFrameSource(configuration: c, logger: logger)
        func publisher() -> Process {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-i", clip, "-c", "copy", "-f", "rtsp",
                           "-rtsp_transport", "tcp", "rtsp://127.0.0.1:\(port)/live"]
            return p
        }
        async let collected = collect(source, limit: 10, timeout: .seconds(30))
        // The listening ffmpeg may take a while to start on a loaded machine: a publisher refused
        // within 2 s (the clip takes 4 s in real time) is started again, for up to 20 s.
        var publishing = publisher()
        for attempt in 0..<10 {
            try await Task.sleep(for: .seconds(1))
            if attempt > 0 { publishing = publisher() }
            try publishing.run()
            for _ in 0..<20 where publishing.isRunning { try await Task.sleep(for: .milliseconds(100)) }
            if publishing.isRunning || publishing.terminationStatus == 0 { break }
        }
        let publisher = publishing
        let events = await collected
        if publisher.isRunning { publisher.terminate() }
        publisher.waitUntilExit()
        let got = frames(events)
        #expect(got.count == 10, "received \(got.count) frames")
        #expect(got.allSatisfy { $0.width == 160 && $0.height == 96 })
    }
}
