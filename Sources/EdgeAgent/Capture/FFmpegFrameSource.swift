import Foundation
import Logging
import Synchronization

/// Frames from any URL or file ffmpeg reads (RTSP over TCP, HTTP, files), decoded by an `ffmpeg`
/// subprocess scaled to the detect size and fps and written raw to a pipe: Frigate's proven way,
/// which keeps codecs, network quirks and crashes out of the agent's process.
///
/// A dedicated thread reads the pipe with a stall watchdog: no frame for `stallTimeout` kills
/// ffmpeg, reports video loss and restarts it with paced exponential backoff (with jitter, capped);
/// an exit does the same. A finite file ends the sequence when ffmpeg exits cleanly.
struct FFmpegFrameSource: FrameSource {
    struct Configuration: Sendable {
        var url: String
        var width = 640
        var height = 360
        var fps = 5.0
        /// Decode keyframes only (very low CPU; fps becomes the stream's keyframe rate).
        var keyframesOnly = false
        /// Deliver the chroma planes too (smoke/fire need colour).
        var chroma = true
        /// Read a file at its native speed instead of as fast as possible.
        var realtime = false
        /// Restart ffmpeg when no frame arrives for this long, s (config `stall_timeout_s`, default 10).
        var stallTimeout = 10.0
        var initialBackoff = 1.0
        var maxBackoff = 60.0
        /// Give up after this many restarts (nil: never; the agent keeps trying forever).
        var maxRestarts: Int?
        var ffmpegPath = "ffmpeg"
        /// Extra ffmpeg options placed before `-i` (config `input_args`, as in Frigate), e.g.
        /// `["-rtsp_flags", "listen"]` to receive a pushed stream.
        var inputOptions: [String] = []
        /// Told the pid of each ffmpeg started (the status board samples its CPU time).
        var onProcessStart: (@Sendable (Int32) -> Void)?
        /// Live sources drop the oldest frame when detection falls behind; files wait.
        var live: Bool { url.contains("://") && !url.hasPrefix("file://") }
    }

    typealias Element = CaptureEvent

    let configuration: Configuration
    let logger: Logger
    /// Capture clock, ms since the epoch: by default a `SteadyWallClock` made when the source is
    /// (never stepping backwards); injected for tests.
    let now: @Sendable () -> Int64

    init(configuration: Configuration, logger: Logger, now: (@Sendable () -> Int64)? = nil) {
        self.configuration = configuration
        self.logger = logger
        self.now = now ?? { [clock = SteadyWallClock()] in clock.nowMs }
    }

    static func arguments(_ c: Configuration) -> [String] {
        var args = ["-hide_banner", "-loglevel", "error", "-nostdin"]
        if c.url.hasPrefix("rtsp://") { args += ["-rtsp_transport", "tcp", "-timeout", "5000000"] }
        if c.realtime { args += ["-re"] }
        if c.keyframesOnly { args += ["-skip_frame", "nokey"] }
        args += c.inputOptions
        args += ["-i", c.url, "-an", "-sn", "-dn"]
        let filter = c.keyframesOnly ? "scale=\(c.width):\(c.height)" : "fps=\(c.fps),scale=\(c.width):\(c.height)"
        // Keyframes only: pass frames through as decoded (rawvideo would otherwise duplicate frames
        // to a constant rate).
        if c.keyframesOnly { args += ["-fps_mode", "passthrough"] }
        args += ["-vf", filter, "-pix_fmt", c.chroma ? "yuv420p" : "gray", "-f", "rawvideo", "pipe:1"]
        return args
    }

    func makeAsyncIterator() -> Iterator {
        let (stream, continuation) = AsyncStream.makeStream(of: CaptureEvent.self, bufferingPolicy: .unbounded)
        let reader = FFmpegReader(configuration: configuration, logger: logger, now: now, continuation: continuation)
        continuation.onTermination = { _ in reader.stop() }
        let thread = Thread { reader.run() }
        thread.name = "ffmpeg-\(configuration.url.prefix(32))"
        thread.start()
        return Iterator(base: stream.makeAsyncIterator(), reader: reader)
    }

    /// Hands each consumed frame's slot back to the reader (bounded buffering).
    struct Iterator: AsyncIteratorProtocol {
        var base: AsyncStream<CaptureEvent>.Iterator
        let reader: FFmpegReader

        mutating func next() async -> CaptureEvent? {
            let event = await base.next()
            if case .frame = event { reader.slots.signal() }
            return event
        }
    }
}

/// The reading thread's state. Shared between the thread and the stream's termination handler.
final class FFmpegReader: Sendable {
    let configuration: FFmpegFrameSource.Configuration
    let logger: Logger
    let now: @Sendable () -> Int64
    let continuation: AsyncStream<CaptureEvent>.Continuation
    private let stopped = Atomic<Bool>(false)
    private let running = Mutex<Process?>(nil)
    /// Frames the consumer may have waiting (8): a file's reader waits for a slot, a live stream's
    /// drops the frame instead (detection cannot catch up on the past) and counts it.
    let slots = DispatchSemaphore(value: 8)
    let dropped = Atomic<Int>(0)

    init(configuration: FFmpegFrameSource.Configuration, logger: Logger, now: @escaping @Sendable () -> Int64,
         continuation: AsyncStream<CaptureEvent>.Continuation) {
        self.configuration = configuration
        self.logger = logger
        self.now = now
        self.continuation = continuation
    }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        running.withLock { process in
            if let process, process.isRunning { process.terminate() }
        }
    }

    func run() {
        let c = configuration
        let frameBytes = c.chroma ? c.width * c.height * 3 / 2 : c.width * c.height
        var restarts = 0
        var lost = false
        var index = 0
        let startMs = now()
        let live = c.live
        var random = SystemRandomNumberGenerator()
        var lastDropLog = Date.distantPast
        while !stopped.load(ordering: .relaxed) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: c.ffmpegPath.hasPrefix("/") ? c.ffmpegPath : "/usr/bin/env")
            process.arguments = (c.ffmpegPath.hasPrefix("/") ? [] : [c.ffmpegPath]) + FFmpegFrameSource.arguments(c)
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            process.standardInput = FileHandle.nullDevice
            do {
                try process.run()
            } catch {
                logger.warning("ffmpeg did not start", metadata: ["camera.url": "\(SourceURL.redacted(c.url))", "error": "\(error)"])
            }
            running.withLock { $0 = process }
            if process.isRunning { c.onProcessStart?(process.processIdentifier) }
            let runStarted = Date()
            let stderrLog = StderrLogger(handle: err.fileHandleForReading, logger: logger, url: c.url)
            stderrLog.start()
            var buffer = [UInt8](repeating: 0, count: frameBytes)
            var filled = 0
            var reason = "exit"
            let fd = out.fileHandleForReading.fileDescriptor
            readLoop: while true {
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let ready = poll(&pfd, 1, Int32(c.stallTimeout * 1000))
                if stopped.load(ordering: .relaxed) { break }
                if ready == 0 {
                    reason = "stall"
                    break
                }
                if ready < 0 {
                    if errno == EINTR { continue }
                    break
                }
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, frameBytes - filled) }
                if n <= 0 { break readLoop }
                filled += n
                if filled == frameBytes {
                    if lost {
                        continuation.yield(.videoRestored(atMs: now()))
                        lost = false
                    }
                    // The backoff resets only after a stable minute: a decoder that sends a frame
                    // and dies keeps backing off.
                    if restarts > 0, Date().timeIntervalSince(runStarted) > 60 { restarts = 0 }
                    let time = live ? now() : startMs + Int64(Double(index) * 1000 / c.fps)
                    index += 1
                    // Wait for (file) or claim (live) a slot before copying the planes out, so a
                    // frame dropped because detection is behind costs no allocation.
                    if live {
                        guard slots.wait(timeout: .now()) == .success else {
                            dropped.add(1, ordering: .relaxed)
                            // Count drops, log the count at most every 10 s.
                            if Date().timeIntervalSince(lastDropLog) >= 10 {
                                let count = dropped.exchange(0, ordering: .relaxed)
                                logger.warning("detection behind the stream, frames dropped",
                                               metadata: ["camera.url": "\(SourceURL.redacted(c.url))", "frames.dropped": "\(count)"])
                                lastDropLog = Date()
                            }
                            filled = 0
                            continue
                        }
                    } else {
                        while slots.wait(timeout: .now() + 0.2) != .success {
                            if stopped.load(ordering: .relaxed) { break readLoop }
                        }
                    }
                    let luma = Array(buffer[0..<(c.width * c.height)])
                    var chroma: ChromaPlanes?
                    if c.chroma {
                        let q = (c.width / 2) * (c.height / 2)
                        let base = c.width * c.height
                        chroma = ChromaPlanes(cb: Array(buffer[base..<(base + q)]), cr: Array(buffer[(base + q)..<(base + 2 * q)]))
                    }
                    continuation.yield(.frame(Frame(
                        width: c.width, height: c.height, luma: luma, chroma: chroma, index: index - 1, captureTimeMs: time)))
                    filled = 0
                }
            }
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            running.withLock { $0 = nil }
            if stopped.load(ordering: .relaxed) { break }
            if reason == "exit", process.terminationStatus == 0, !live {
                break  // a file that ended
            }
            lost = true
            restarts += 1
            continuation.yield(.videoLost(reason: reason == "exit" ? "exit \(process.terminationStatus)" : reason, restarts: restarts, atMs: now()))
            if let max = c.maxRestarts, restarts > max { break }
            let backoff = min(c.maxBackoff, c.initialBackoff * pow(2, Double(min(restarts - 1, 16))))
            let jittered = Double.random(in: backoff / 2...backoff, using: &random)
            logger.info("restarting ffmpeg", metadata: ["camera.url": "\(SourceURL.redacted(c.url))", "restarts": "\(restarts)", "backoff_s": "\(jittered)"])
            var slept = 0.0
            while slept < jittered, !stopped.load(ordering: .relaxed) {
                Thread.sleep(forTimeInterval: 0.05)
                slept += 0.05
            }
        }
        continuation.finish()
    }
}

/// Logs ffmpeg's stderr, at most one line per second (plus a count of what was suppressed).
final class StderrLogger: Sendable {
    let handle: FileHandle
    let logger: Logger
    let url: String

    init(handle: FileHandle, logger: Logger, url: String) {
        self.handle = handle
        self.logger = logger
        self.url = url
    }

    func start() {
        let thread = Thread { [self] in
            var lastMs = 0.0
            var suppressed = 0
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                let nowS = Date().timeIntervalSince1970
                if nowS - lastMs >= 1 {
                    let line = String(decoding: data.prefix(400), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                    logger.warning("ffmpeg", metadata: ["camera.url": "\(SourceURL.redacted(url))", "ffmpeg.stderr": "\(SourceURL.redactingCredentials(in: String(line)))", "suppressed": "\(suppressed)"])
                    lastMs = nowS
                    suppressed = 0
                } else {
                    suppressed += 1
                }
            }
        }
        thread.start()
    }
}
