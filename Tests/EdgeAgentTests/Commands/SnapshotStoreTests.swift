@testable import EdgeAgent
import Foundation
import Testing
import TestSupport

/// The agent's snapshot files: the newest 200 wait for upload, older ones are evicted and counted
/// until a batch reports them, across restarts; uploaded and refused files move aside.
@Suite struct SnapshotStoreTests {
    @Test func evictions_areCountedUntilReported_andSurviveARestart() throws {
        let dir = try TestPaths.temporaryDirectory("snapshots")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = SnapshotStore(directory: dir.path)
        for i in 0..<(SnapshotStore.keep + 3) { try store.save([0x89, 0x50, 0x4E, 0x47, UInt8(i % 256)], as: "cam-1-\(1_000 + i).png") }
        #expect(store.pending().count == SnapshotStore.keep)
        #expect(store.pending().first == "cam-1-1003.png", "the oldest three went")
        #expect(store.unreportedEvictions() == 3)
        store.markReported(2)
        #expect(SnapshotStore(directory: dir.path).unreportedEvictions() == 1, "kept on disk")
        #expect(try String(contentsOf: dir.appendingPathComponent(".evicted"), encoding: .utf8) == "1\n")
        store.markSent("cam-1-1003.png")
        store.markRefused("cam-1-1004.png")
        #expect(store.pending().count == SnapshotStore.keep - 2)
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("sent/cam-1-1003.png").path))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("refused/cam-1-1004.png").path))
    }
}
