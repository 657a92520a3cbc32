import Logging
import Metrics
import Shared
import Synchronization

/// Executes the commands the aggregator puts in acks, each once, and holds their results until a
/// batch carrying them is acked (a result in a refused or lost batch goes out again).
///
/// A command is redelivered in every ack until its result reaches the aggregator, so the desk
/// remembers what it executed (the last 4,096 ids) and answers a repeat with the first result.
///
/// What the types do today: `set_profile` puts a camera in a watch profile (its events carry
/// `profile` and count one severity level higher; `default` ends it); `set_fps` caps the frames
/// analysed per second (up to the capture rate, `detect.fps`); both are exposed as metrics
/// (`citywatch_agent_camera_profile`, `citywatch_agent_camera_fps_override`) and read by the
/// camera loops; `take_snapshot` has the camera save its next frame, annotated, as a PNG under
/// `snapshots/` in the state directory (the result, sent once the file is written, names it; a
/// camera that delivers no frame within 30 s fails the command); unknown types,
/// unknown cameras and bad arguments are rejected with a message; a command past its deadline is
/// reported expired without running.
final class CommandDesk: Sendable {
    struct Control: Sendable, Hashable {
        var profile = "default"
        var fps: Double?
    }

    static let profiles: Set<String> = ["default", "heightened", "flood-watch", "fire-watch", "crowd-watch", "traffic-watch"]
    private static let memory = 4_096

    private struct State {
        var executed: [String: CommandResult] = [:]
        var executionOrder: [String] = []
        var unreported: [CommandResult] = []
        var inFlight: [UInt64: [CommandResult]] = [:]
        var controls: [String: Control] = [:]
        /// Camera → the take_snapshot command waiting for its next frame, and when it came.
        var snapshots: [String: (commandID: String, sinceMs: Int64)] = [:]
    }

    static let snapshotDeadlineMs: Int64 = 30_000
    let cameras: [String]
    /// Where take_snapshot writes (nil: the command is rejected).
    let snapshotDirectory: String?
    private let state = Mutex(State())
    private let logger: Logger

    init(cameras: [String], snapshotDirectory: String? = nil, logger: Logger) {
        self.cameras = cameras
        self.snapshotDirectory = snapshotDirectory
        self.logger = logger
    }

    /// Executes new commands from an ack (repeats are answered from memory).
    func receive(_ commands: [Command], nowMs: Int64) {
        for command in commands {
            // The aggregator's ids are short; one that is not could never be reported on (the wire
            // caps ids) and would block every batch that carried its result.
            guard command.id.utf8.count <= 128 else {
                logger.error("command with an over-long id ignored", metadata: ["bytes": "\(command.id.utf8.count)"])
                continue
            }
            let known: CommandResult? = state.withLock { s in s.executed[command.id] }
            if let known {
                // Its result may have been lost with a batch that the aggregator never saw: queue it again
                // unless it is already waiting or travelling.
                state.withLock { s in
                    let waiting = s.unreported.contains { $0.commandID == command.id }
                        || s.inFlight.values.contains { $0.contains { $0.commandID == command.id } }
                    if !waiting { s.unreported.append(known) }
                }
                continue
            }
            if state.withLock({ s in s.snapshots.values.contains { $0.commandID == command.id } }) { continue }  // still waiting for a frame
            guard let result = execute(command, nowMs: nowMs) else { continue }  // finished later by the camera
            finish(command, result)
        }
    }

    private func finish(_ command: Command, _ result: CommandResult) {
        Counter(label: "citywatch_agent_commands_total", dimensions: [("type", command.type), ("status", result.status.rawValue)]).increment()
        logger.notice("command from the aggregator", metadata: [
            "command": "\(command.id)", "type": "\(command.type)", "camera": "\(command.cameraID)", "status": "\(result.status.rawValue)",
            "message": "\(result.message)",
        ])
        state.withLock { s in
            s.executed[command.id] = result
            s.executionOrder.append(command.id)
            if s.executionOrder.count > Self.memory { s.executed[s.executionOrder.removeFirst()] = nil }
            s.unreported.append(result)
        }
    }

    /// Nil when the result comes later (take_snapshot: from the camera loop).
    private func execute(_ command: Command, nowMs: Int64) -> CommandResult? {
        func result(_ status: CommandResult.Status, _ message: String) -> CommandResult {
            // Within the wire's string limit whatever the message quotes: a result the aggregator
            // refuses would take the batch carrying it (and its events) down with it.
            CommandResult(commandID: command.id, status: status, message: String(decoding: message.utf8.prefix(200), as: UTF8.self), finishedAtMs: nowMs)
        }
        if command.expiresAtMs > 0, nowMs > command.expiresAtMs { return result(.expired, "arrived after its deadline") }
        let targets = command.cameraID.isEmpty ? cameras : [command.cameraID]
        guard targets.allSatisfy(cameras.contains) else { return result(.rejected, "unknown camera '\(command.cameraID)'") }
        switch command.type {
        case "set_profile":
            guard let profile = command.arguments["profile"], Self.profiles.contains(profile) else {
                return result(.rejected, "profile must be one of \(Self.profiles.sorted().joined(separator: ", "))")
            }
            state.withLock { s in for camera in targets { s.controls[camera, default: Control()].profile = profile } }
            for camera in targets {
                for p in Self.profiles {
                    Gauge(label: "citywatch_agent_camera_profile", dimensions: [("camera", camera), ("profile", p)]).record(p == profile ? 1 : 0)
                }
            }
            return result(.done, "profile \(profile) on \(targets.count) camera(s)")
        case "set_fps":
            guard let text = command.arguments["fps"], let fps = Double(text), fps > 0, fps <= 60 else {
                return result(.rejected, "fps must be a number in (0, 60]")
            }
            state.withLock { s in for camera in targets { s.controls[camera, default: Control()].fps = fps } }
            for camera in targets { Gauge(label: "citywatch_agent_camera_fps_override", dimensions: [("camera", camera)]).record(fps) }
            return result(.done, "fps \(text) on \(targets.count) camera(s)")
        case "take_snapshot":
            guard snapshotDirectory != nil else { return result(.rejected, "this agent has no snapshot directory") }
            guard !command.cameraID.isEmpty else { return result(.rejected, "take_snapshot names one camera") }
            let busy = state.withLock { s in
                if s.snapshots[command.cameraID] != nil { return true }
                s.snapshots[command.cameraID] = (command.id, nowMs)
                return false
            }
            return busy ? result(.rejected, "a snapshot of \(command.cameraID) is already being taken") : nil
        default:
            return result(.rejected, "unknown command type '\(command.type)'")
        }
    }

    /// The results batch `seq` carries: the same ones on every attempt of that batch.
    func results(forBatch seq: UInt64) -> [CommandResult] {
        state.withLock { s in
            if let carried = s.inFlight[seq] { return carried }
            guard !s.unreported.isEmpty else { return [] }
            let carried = s.unreported
            s.unreported = []
            s.inFlight[seq] = carried
            return carried
        }
    }

    /// A batch finished: acked results are done; a dead-lettered batch's go out with a later one.
    func batchFinished(_ seq: UInt64, acked: Bool) {
        state.withLock { s in
            guard let carried = s.inFlight.removeValue(forKey: seq) else { return }
            if !acked { s.unreported.insert(contentsOf: carried, at: 0) }
        }
    }

    /// The take_snapshot command waiting for `camera`'s next frame (checked by its loop per frame).
    func snapshotRequest(for camera: String) -> String? {
        state.withLock { $0.snapshots[camera]?.commandID }
    }

    /// The camera saved the snapshot (or could not): the command's result.
    func snapshotTaken(camera: String, outcome: Result<String, any Error>, nowMs: Int64) {
        guard let pending = state.withLock({ $0.snapshots.removeValue(forKey: camera) }) else { return }
        let command = Command(id: pending.commandID, type: "take_snapshot", cameraID: camera)
        switch outcome {
        case .success(let file):
            finish(command, CommandResult(commandID: pending.commandID, status: .done, message: String(("saved " + file).utf8.prefix(200))!, finishedAtMs: nowMs))
        case .failure(let error):
            finish(command, CommandResult(commandID: pending.commandID, status: .failed, message: String("\(error)".utf8.prefix(200))!, finishedAtMs: nowMs))
        }
    }

    /// Fails snapshots whose camera delivered no frame within 30 s (called every few seconds).
    func expireSnapshots(nowMs: Int64) {
        let stale = state.withLock { s in s.snapshots.filter { nowMs - $0.value.sinceMs > Self.snapshotDeadlineMs }.map(\.key) }
        for camera in stale {
            snapshotTaken(camera: camera, outcome: .failure(SnapshotTimeout(camera: camera)), nowMs: nowMs)
        }
    }

    func control(of camera: String) -> Control {
        state.withLock { $0.controls[camera] ?? Control() }
    }

    var pendingResults: Int { state.withLock { $0.unreported.count + $0.inFlight.values.reduce(0) { $0 + $1.count } } }
}
