import DequeModule
import Foundation
import Shared
import Synchronization

/// What the running agent knows about itself, for the admin socket: the camera loops and the
/// shipper write here as they work (one short lock per frame or per batch), the status service
/// samples rates every few seconds, and the admin routes read it.
///
/// It also carries the two things a technician asks the loops for: the recent events (a ring of
/// the last 512, and live followers) and annotated snapshots (a request waits for the camera's
/// next frame).
final class AgentStatusBoard: Sendable {
    static let recentEventCapacity = 512

    let agentID: String
    let startedMs: Int64
    private let state: Mutex<State>

    struct Camera {
        var id: String
        var source: String
        var width: Int?
        var height: Int?
        var frames: UInt64 = 0
        var events: UInt64 = 0
        var lastFrameMs: Int64?
        var detectionNanos: UInt64 = 0
        var decoderPID: Int32?
        var tamper: Set<String> = []
        var detector = "heuristic"
        var fps = 0.0
        var detectionLoad = 0.0
        var decodeLoad: Double?
        /// The last sample: (wall ms, frames, detection ns, decoder CPU ticks).
        var sample: (ms: Int64, frames: UInt64, nanos: UInt64, ticks: UInt64?)?
    }

    private struct State {
        var cameras: [String: Camera] = [:]
        var order: [String] = []
        var link = LinkStatus(state: "idle", batchesAcked: 0, retries: 0, deadLettered: 0)
        var recent = Deque<Event>()
        var followers: [UInt64: AsyncStream<Event>.Continuation] = [:]
        var snapshotWaiters: [String: [UInt64: CheckedContinuation<[UInt8], any Error>]] = [:]
        var health: AgentHealth?
        var nextToken: UInt64 = 0
    }

    init(agentID: String, cameras: [(id: String, source: String)], nowMs: Int64) {
        self.agentID = agentID
        startedMs = nowMs
        var s = State()
        for camera in cameras {
            s.cameras[camera.id] = Camera(id: camera.id, source: SourceURL.redacted(camera.source))
            s.order.append(camera.id)
        }
        state = Mutex(s)
    }

    // MARK: written by the camera loops

    /// Counts an analysed frame; true when someone waits for a snapshot of this camera (one lock
    /// per frame for both).
    @discardableResult
    func frameAnalysed(camera: String, width: Int, height: Int, detectionNanos: UInt64, nowMs: Int64) -> Bool {
        state.withLock { s in
            guard var c = s.cameras[camera] else { return false }
            c.width = width
            c.height = height
            c.frames &+= 1
            c.detectionNanos &+= detectionNanos
            c.lastFrameMs = nowMs
            s.cameras[camera] = c
            return !(s.snapshotWaiters[camera]?.isEmpty ?? true)
        }
    }

    /// How the camera classifies objects: `heuristic`, `neural`, or why it fell back.
    func setDetector(camera: String, _ mode: String) {
        state.withLock { $0.cameras[camera]?.detector = mode }
    }

    func decoderStarted(camera: String, pid: Int32) {
        state.withLock { s in
            s.cameras[camera]?.decoderPID = pid
            s.cameras[camera]?.sample?.ticks = nil
        }
    }

    /// Events that reached the spool: counted, kept in the ring, sent to followers, and used to
    /// follow each camera's tamper state.
    func record(_ events: [Event]) {
        guard !events.isEmpty else { return }
        state.withLock { s in
            for event in events {
                s.cameras[event.cameraID]?.events &+= 1
                if event.kind.rawValue.hasPrefix("tamper_") || event.kind == .videoLoss {
                    if event.phase == .end {
                        s.cameras[event.cameraID]?.tamper.remove(event.kind.rawValue)
                    } else {
                        s.cameras[event.cameraID]?.tamper.insert(event.kind.rawValue)
                    }
                }
                if s.recent.count == Self.recentEventCapacity { s.recent.removeFirst() }
                s.recent.append(event)
                for follower in s.followers.values { follower.yield(event) }
            }
        }
    }

    // MARK: written by the shipper

    func batchAcked(endpoint: String, skewMs: Int64?, nowMs: Int64) {
        state.withLock { s in
            s.link.state = "up"
            s.link.endpoint = endpoint
            s.link.lastAckMs = nowMs
            s.link.batchesAcked &+= 1
            if let skewMs { s.link.clockSkewMs = skewMs }
        }
    }

    func sendFailed(endpoint: String, error: String, nowMs: Int64) {
        state.withLock { s in
            s.link.state = "down"
            s.link.endpoint = endpoint
            s.link.lastError = String(error.prefix(300))
            s.link.lastErrorMs = nowMs
            s.link.retries &+= 1
        }
    }

    func batchDeadLettered(status: Int, nowMs: Int64) {
        state.withLock { s in
            s.link.deadLettered &+= 1
            s.link.lastError = "batch refused with HTTP \(status) (dead-lettered)"
            s.link.lastErrorMs = nowMs
        }
    }

    // MARK: sampled and read

    /// Updates the rates (fps, detection and decode load) from the counts since the last sample.
    func sample(nowMs: Int64, cpuTicks: (Int32) -> UInt64? = ProcessCPU.ticks, ticksPerSecond: Double = ProcessCPU.ticksPerSecond) {
        state.withLock { s in
            for id in s.order {
                guard var c = s.cameras[id] else { continue }
                let ticks = c.decoderPID.flatMap(cpuTicks)
                if let last = c.sample, nowMs > last.ms {
                    let seconds = Double(nowMs - last.ms) / 1000
                    c.fps = Double(c.frames &- last.frames) / seconds
                    c.detectionLoad = Double(c.detectionNanos &- last.nanos) / 1e9 / seconds
                    if let ticks, let before = last.ticks, ticks >= before {
                        c.decodeLoad = Double(ticks - before) / ticksPerSecond / seconds
                    }
                }
                c.sample = (nowMs, c.frames, c.detectionNanos, ticks)
                s.cameras[id] = c
            }
        }
    }

    func cameras(nowMs: Int64, controls: CommandDesk?) -> [CameraStatus] {
        state.withLock { s in
            s.order.compactMap { id in
                guard let c = s.cameras[id] else { return nil }
                let control = controls?.control(of: id)
                return CameraStatus(
                    id: c.id, source: c.source, width: c.width, height: c.height, fps: c.fps, frames: c.frames,
                    lastFrameAgeMs: c.lastFrameMs.map { max(0, nowMs - $0) }, detectionLoad: c.detectionLoad,
                    decodeLoad: c.decodeLoad, tamper: c.tamper.sorted(), profile: control?.profile ?? "default",
                    fpsCap: control?.fps, events: c.events, detector: c.detector)
            }
        }
    }

    var link: LinkStatus { state.withLock { $0.link } }

    /// The latest health sample (made by the status service), sent with each batch.
    var health: AgentHealth? {
        get { state.withLock { $0.health } }
        set { state.withLock { $0.health = newValue } }
    }

    func hasCamera(_ id: String) -> Bool { state.withLock { $0.cameras[id] != nil } }

    /// The last `limit` events, oldest first.
    func recentEvents(limit: Int) -> [Event] {
        state.withLock { s in
            Array(s.recent.suffix(max(0, limit)))
        }
    }

    /// Events from now on, until the consumer stops (a slow one loses the oldest beyond 1,024).
    func follow() -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(1_024))
        let token = state.withLock { s in
            s.nextToken += 1
            s.followers[s.nextToken] = continuation
            return s.nextToken
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.followers.removeValue(forKey: token) }
        }
        return stream
    }

    /// Ends every follower (at shutdown, so that open `events tail --follow` requests finish).
    func finishFollowers() {
        let followers = state.withLock { s in
            defer { s.followers.removeAll() }
            return Array(s.followers.values)
        }
        for follower in followers { follower.finish() }
    }

    // MARK: snapshots

    /// True when someone waits for a snapshot of `camera` (checked by its loop on every frame).
    func wantsSnapshot(_ camera: String) -> Bool {
        state.withLock { !($0.snapshotWaiters[camera]?.isEmpty ?? true) }
    }

    /// Hands a rendered PNG to everyone waiting for `camera`.
    func deliverSnapshot(_ camera: String, png: [UInt8]) {
        let waiters = state.withLock { $0.snapshotWaiters.removeValue(forKey: camera) ?? [:] }
        for waiter in waiters.values { waiter.resume(returning: png) }
    }

    /// The camera's next analysed frame as an annotated PNG, or `SnapshotTimeout` when none comes
    /// within `timeout` (the camera is down or stalled).
    func snapshot(_ camera: String, timeout: Duration) async throws -> [UInt8] {
        let token = state.withLock { s in
            s.nextToken += 1
            return s.nextToken
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                state.withLock { s in s.snapshotWaiters[camera, default: [:]][token] = continuation }
                // Registered first, so that neither the timer nor a cancellation can miss it.
                if Task.isCancelled { abandonSnapshot(camera, token: token, error: CancellationError()) }
                Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    self?.abandonSnapshot(camera, token: token, error: SnapshotTimeout(camera: camera))
                }
            }
        } onCancel: {
            abandonSnapshot(camera, token: token, error: CancellationError())
        }
    }

    private func abandonSnapshot(_ camera: String, token: UInt64, error: any Error) {
        let waiter = state.withLock { $0.snapshotWaiters[camera]?.removeValue(forKey: token) }
        waiter?.resume(throwing: error)
    }

}

struct SnapshotTimeout: Error, CustomStringConvertible {
    let camera: String
    var description: String { "camera \(camera) delivered no frame in time (is it down? see `edge-agent status`)" }
}
