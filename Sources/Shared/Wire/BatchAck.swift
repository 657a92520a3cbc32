/// The aggregator's answer to a durably committed batch (HTTP 200, wire message `BatchAck`).
public struct BatchAck: Sendable, Hashable {
    public var agentID: String
    /// Highest batch_seq durably committed for the agent.
    public var committedSeq: UInt64
    /// Aggregator clock when the ack was made, ms since the epoch.
    public var serverTimeMs: Int64
    public var commands: [Command]
    /// True when the batch had already been committed: a resend, nothing stored twice.
    public var duplicate: Bool
    public var storedEvents: UInt32

    public init(
        agentID: String, committedSeq: UInt64, serverTimeMs: Int64, commands: [Command] = [],
        duplicate: Bool = false, storedEvents: UInt32 = 0
    ) {
        self.agentID = agentID
        self.committedSeq = committedSeq
        self.serverTimeMs = serverTimeMs
        self.commands = commands
        self.duplicate = duplicate
        self.storedEvents = storedEvents
    }
}
