@testable import EdgeAgent
import Logging
import Shared
import Testing

/// The agent's side of commands: each executed once, results carried by batches until one is acked.
@Suite struct CommandDeskTests {
    func desk() -> CommandDesk { CommandDesk(cameras: ["cam-a", "cam-b"], logger: Logger(label: "test")) }

    @Test func executes_validates_andReportsEachOnce() {
        let desk = desk()
        desk.receive([
            Command(id: "1", type: "set_profile", cameraID: "cam-a", arguments: ["profile": "flood-watch"]),
            Command(id: "2", type: "set_fps", cameraID: "", arguments: ["fps": "12.5"]),
            Command(id: "3", type: "set_fps", cameraID: "cam-b", arguments: ["fps": "999"]),
            Command(id: "4", type: "take_snapshot", cameraID: "cam-a"),
            Command(id: "5", type: "set_profile", cameraID: "cam-z", arguments: ["profile": "default"]),
            Command(id: "6", type: "self_destruct"),
            Command(id: "7", type: "set_fps", cameraID: "cam-a", arguments: ["fps": "5"], expiresAtMs: 50),
        ], nowMs: 100)
        let results = desk.results(forBatch: 10)
        #expect(results.map(\.status) == [.done, .done, .rejected, .rejected, .rejected, .rejected, .expired])
        #expect(desk.control(of: "cam-a") == CommandDesk.Control(profile: "flood-watch", fps: 12.5))
        #expect(desk.control(of: "cam-b") == CommandDesk.Control(profile: "default", fps: 12.5), "the rejected fps left cam-b as it was")
        #expect(desk.results(forBatch: 10) == results, "a resend of batch 10 carries the same results")
        #expect(desk.results(forBatch: 11).isEmpty)
        desk.batchFinished(10, acked: true)
        #expect(desk.pendingResults == 0)
        // Redelivered (the aggregator had not seen the ack yet): not executed again, the result goes out again.
        desk.receive([Command(id: "1", type: "set_profile", cameraID: "cam-a", arguments: ["profile": "default"])], nowMs: 200)
        #expect(desk.control(of: "cam-a").profile == "flood-watch")
        #expect(desk.results(forBatch: 12).map(\.commandID) == ["1"])
    }

    @Test func takeSnapshot_isFinishedByTheCamera_orFailsWhenNoFrameComes() {
        let desk = CommandDesk(cameras: ["cam-a", "cam-b"], snapshotDirectory: "/tmp/unused", logger: Logger(label: "test"))
        desk.receive([
            Command(id: "s1", type: "take_snapshot", cameraID: "cam-a"),
            Command(id: "s2", type: "take_snapshot", cameraID: "cam-b"),
            Command(id: "s3", type: "take_snapshot", cameraID: "cam-a"),
            Command(id: "s4", type: "take_snapshot", cameraID: ""),
        ], nowMs: 1_000)
        #expect(desk.results(forBatch: 1).map(\.commandID) == ["s3", "s4"], "busy and cameraless requests are rejected at once")
        #expect(desk.snapshotRequest(for: "cam-a") == "s1")
        desk.receive([Command(id: "s1", type: "take_snapshot", cameraID: "cam-a")], nowMs: 2_000)
        #expect(desk.results(forBatch: 1).count == 2, "a redelivery while waiting is not a second request")

        desk.snapshotTaken(camera: "cam-a", outcome: .success("snapshots/cam-a-1.png"), nowMs: 3_000)
        #expect(desk.snapshotRequest(for: "cam-a") == nil)
        desk.expireSnapshots(nowMs: 1_000 + CommandDesk.snapshotDeadlineMs)
        #expect(desk.snapshotRequest(for: "cam-b") == "s2", "not yet past the deadline")
        desk.expireSnapshots(nowMs: 1_001 + CommandDesk.snapshotDeadlineMs)
        let later = desk.results(forBatch: 2)
        #expect(later.map(\.commandID) == ["s1", "s2"])
        #expect(later.map(\.status) == [.done, .failed])
        #expect(later[0].message == "saved snapshots/cam-a-1.png")
        desk.batchFinished(2, acked: true)
        desk.receive([Command(id: "s2", type: "take_snapshot", cameraID: "cam-b")], nowMs: 40_000)
        #expect(desk.results(forBatch: 3).map(\.status) == [.failed], "answered from memory, not taken again")
    }

    @Test func aDeadLetteredBatch_givesItsResultsToTheNext() {
        let desk = desk()
        desk.receive([Command(id: "x", type: "set_profile", cameraID: "cam-a", arguments: ["profile": "heightened"])], nowMs: 1)
        #expect(desk.results(forBatch: 5).count == 1)
        desk.batchFinished(5, acked: false)
        #expect(desk.results(forBatch: 6).map(\.commandID) == ["x"])
    }
}
