@testable import Aggregator
import Foundation
import Testing
import TestSupport

/// The batch path's view of revocations: read at most once a second from the operations database,
/// so a revocation from another process (the CLI) counts within a second, one from this process at once.
@Suite struct RevocationSnapshotTests {
    @Test func anotherProcessesRevocation_countsWithinASecond_ownAtOnce() throws {
        let dir = try TestPaths.temporaryDirectory("revoked")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("operations.sqlite").path
        let server = try ActionStore(path: path), cli = try ActionStore(path: path)
        let t0 = ContinuousClock.now
        #expect(try server.isRevokedRecently("agent-1", now: t0) == false)
        #expect(try cli.revokeAgent("agent-1", reason: "test", nowMs: 1))
        #expect(try server.isRevokedRecently("agent-1", now: t0 + .milliseconds(500)) == false, "the snapshot is at most a second old")
        #expect(try server.isRevokedRecently("agent-1", now: t0 + .milliseconds(1_001)) == true)
        #expect(try server.isRevoked("agent-1"), "renewals read the table itself")
        #expect(try server.reinstateAgent("agent-1"))
        #expect(try server.isRevokedRecently("agent-1", now: t0 + .milliseconds(1_002)) == false, "this process's own change counts at once")
    }
}
