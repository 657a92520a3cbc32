import Shared

/// A command for one agent's camera, as the operations database keeps it.
struct AgentCommand: Sendable, Hashable, Codable {
    enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        /// Made, not yet in any ack.
        case pending
        /// Sent in at least one ack; sent again in every ack until the agent reports on it.
        case delivered
        case done, failed, rejected, expired
    }

    /// `ActionPlanner.commandID`: deterministic, so a re-made activation makes no new command.
    var id: String
    var activationID: String
    var agentID: String
    var cameraID: String
    var type: String
    var arguments: [String: String]
    var issuedAtMs: Int64
    var expiresAtMs: Int64
    var status: Status
    var deliveries: Int
    var finishedAtMs: Int64?
    var message: String

    var wire: Command {
        Command(id: id, type: type, cameraID: cameraID, arguments: arguments, issuedAtMs: issuedAtMs, expiresAtMs: expiresAtMs)
    }

    enum CodingKeys: String, CodingKey {
        case id, activationID = "activation_id", agentID = "agent_id", cameraID = "camera_id", type, arguments,
            issuedAtMs = "issued_at_ms", expiresAtMs = "expires_at_ms", status, deliveries, finishedAtMs = "finished_at_ms", message
    }
}

/// A webhook delivery of one activation, kept until it succeeds or gives up (the outbox).
struct WebhookDelivery: Sendable, Hashable, Codable {
    enum Status: String, Sendable, Hashable, Codable { case pending, delivered, failed }

    var activationID: String
    var webhook: String
    var status: Status
    var attempts: Int
    var nextAttemptMs: Int64
    var createdAtMs: Int64
    var lastError: String

    enum CodingKeys: String, CodingKey {
        case activationID = "activation_id", webhook, status, attempts, nextAttemptMs = "next_attempt_ms", createdAtMs = "created_at_ms",
            lastError = "last_error"
    }
}
