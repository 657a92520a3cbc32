/// An instruction from the aggregator to an agent, carried in a `BatchAck`.
public struct Command: Sendable, Hashable, Codable {
    public var id: String
    /// `set_profile`, `set_fps`, `take_snapshot`, ...
    public var type: String
    /// Empty: all of the agent's cameras.
    public var cameraID: String
    public var arguments: [String: String]
    public var issuedAtMs: Int64
    /// The agent must not execute the command after this instant; 0 = no deadline.
    public var expiresAtMs: Int64

    public init(
        id: String, type: String, cameraID: String = "", arguments: [String: String] = [:],
        issuedAtMs: Int64 = 0, expiresAtMs: Int64 = 0
    ) {
        self.id = id
        self.type = type
        self.cameraID = cameraID
        self.arguments = arguments
        self.issuedAtMs = issuedAtMs
        self.expiresAtMs = expiresAtMs
    }
}

/// An agent's report on a command it received.
public struct CommandResult: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable { case done, failed, rejected, expired }

    public var commandID: String
    public var status: Status
    public var message: String
    public var finishedAtMs: Int64

    public init(commandID: String, status: Status, message: String = "", finishedAtMs: Int64 = 0) {
        self.commandID = commandID
        self.status = status
        self.message = message
        self.finishedAtMs = finishedAtMs
    }
}
