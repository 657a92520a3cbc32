import Shared
import Synchronization

/// The latest health report of each agent (sent with its batches), for the fleet view. Kept in
/// memory only: it is a snapshot that the next batch replaces, so after a restart an agent's
/// health reappears with its next batch (seconds), and nothing is written per batch for it.
final class FleetHealth: Sendable {
    struct Report: Sendable, Encodable {
        var receivedMs: Int64
        var health: AgentHealth

        enum CodingKeys: String, CodingKey { case receivedMs = "received_ms", health }

        func encode(to encoder: any Encoder) throws {
            // The report's fields at the top level, with when the aggregator received it.
            try health.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(receivedMs, forKey: .receivedMs)
        }
    }

    private let reports = Mutex<[String: Report]>([:])

    func record(agent: String, _ health: AgentHealth, receivedMs: Int64) {
        reports.withLock { $0[agent] = Report(receivedMs: receivedMs, health: health) }
    }

    func report(for agent: String) -> Report? { reports.withLock { $0[agent] } }
}
