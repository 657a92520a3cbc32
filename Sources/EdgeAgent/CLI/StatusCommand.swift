import ArgumentParser
import Foundation
import Shared

/// `edge-agent status`: the running agent at a glance (cameras, spool, link, certificate).
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the running agent's cameras, spool, link and certificate.")

    @OptionGroup var admin: AdminOptions

    func run() async throws {
        try await admin.run { client in
            let bytes = try await client.request("/v1/status")
            if admin.json { return AdminOptions.printJSON(bytes) }
            print(Self.render(try JSONDecoder().decode(AgentStatusReport.self, from: Data(bytes))))
        }
    }

    static func render(_ s: AgentStatusReport) -> String {
        var out = "agent \(s.agentID)  version \(s.version)  pid \(s.pid)  up \(HumanFormat.age(ms: s.nowMs - s.startedMs))\n\n"
        out += CamerasCommand.table(s.cameras) + "\n\n"
        let spool = s.spool
        out += "spool    \(HumanFormat.bytes(spool.bytes)) of \(HumanFormat.bytes(spool.maxBytes)); backlog \(HumanFormat.bytes(spool.backlogBytes))"
        out += ", oldest \(HumanFormat.age(ms: spool.oldestEventAgeMs)); evicted \(spool.evictedEvents) events"
        out += "; corrupt \(spool.corruptRecords); dead letters \(spool.deadLetters)\n"
        let link = s.link
        out += "link     \(link.state)\(link.endpoint.map { " to \($0)" } ?? ""); last ack \(link.lastAckMs.map { HumanFormat.age(ms: s.nowMs - $0) + " ago" } ?? "never")"
        out += "; clock skew \(link.clockSkewMs.map { "\($0) ms" } ?? "unknown"); acked \(link.batchesAcked), retries \(link.retries), dead-lettered \(link.deadLettered)\n"
        if let error = link.lastError, let at = link.lastErrorMs { out += "         last error \(HumanFormat.age(ms: s.nowMs - at)) ago: \(error)\n" }
        if let c = s.certificate {
            if let error = c.error {
                out += "cert     \(c.path): \(error)\n"
            } else {
                let days = Double(c.expiresInSeconds) / 86_400
                out += "cert     expires \(HumanFormat.time(ms: c.notAfterMs)) (" + (days < 0 ? "EXPIRED" : String(format: "in %.1f days", days)) + ")\n"
            }
        }
        return out
    }
}
