import Foundation
import X509
import Shared

/// What the admin routes read and act on in the running agent.
struct AdminContext: Sendable {
    let board: AgentStatusBoard
    let spool: Spool
    let spoolMaxBytes: Int
    let controls: CommandDesk?
    let deadLetters: DeadLetters
    let logs: RecentLogs?
    let configPath: String
    let certificatePath: String?
    /// How long to wait for a camera's next frame for a snapshot.
    var snapshotTimeout: Duration = .seconds(5)
    /// How long a requeue waits for the spool's commit (two commit intervals and some).
    var commitWait: Duration = .seconds(5)

    func status(nowMs: Int64) -> AgentStatusReport {
        AgentStatusReport(
            agentID: board.agentID, version: CitywatchVersion.current, pid: getpid(), startedMs: board.startedMs, nowMs: nowMs,
            cameras: board.cameras(nowMs: nowMs, controls: controls), spool: spoolStatus(nowMs: nowMs), link: board.link,
            certificate: certificatePath.map { CertificateStatus.read(path: $0, nowMs: nowMs) })
    }

    func spoolStatus(nowMs: Int64) -> SpoolStatus {
        let stats = spool.stats
        return SpoolStatus(
            bytes: stats.bytes, maxBytes: spoolMaxBytes, backlogBytes: stats.backlogBytes, segments: stats.segments,
            oldestEventAgeMs: spool.oldestBacklogCaptureMs().map { max(0, nowMs - $0) }, evictedEvents: stats.evictedEvents,
            unreportedEvictedEvents: stats.unreportedEvictedEvents, inFlightEvictedEvents: stats.inFlightEvictedEvents, corruptRecords: stats.corruptRecords,
            deadLetters: deadLetters.count)
    }

    /// Puts a dead letter's events back in the spool and removes the file once they are durable.
    /// Events keep their ids: the aggregator stores an event once, so a requeue interrupted
    /// between the commit and the removal cannot duplicate anything.
    func requeue(_ name: String) async throws -> Int {
        let events = try deadLetters.events(in: name)
        let before = spool.commits
        try spool.append(events)
        let deadline = ContinuousClock.now + commitWait
        // Two commits: the one running when we appended may have started before it.
        while spool.commits < before &+ 2 {
            guard ContinuousClock.now < deadline else { throw AdminFailure.unavailable("the spool did not commit in time; the dead letter is kept (its events may be shipped twice, which the aggregator ignores)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        try deadLetters.remove(name)
        return events.count
    }

    /// The configuration file as the agent read it, with secrets masked.
    func redactedConfiguration() -> String {
        guard let text = try? String(contentsOfFile: configPath, encoding: .utf8) else { return "# \(configPath): unreadable\n" }
        return ConfigRedaction.redact(text)
    }
}

extension CertificateStatus {
    static func read(path: String, nowMs: Int64) -> CertificateStatus {
        do {
            let certificate = try PKIDirectory.loadCertificate(path)
            let notAfter = Int64(certificate.notValidAfter.timeIntervalSince1970 * 1000)
            return CertificateStatus(
                path: path, subject: certificate.subject.description, notAfterMs: notAfter, expiresInSeconds: (notAfter - nowMs) / 1000)
        } catch {
            return CertificateStatus(path: path, notAfterMs: 0, expiresInSeconds: 0, error: "\(error)")
        }
    }
}
