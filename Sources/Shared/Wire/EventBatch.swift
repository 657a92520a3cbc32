/// One batch as the agent sends it and the aggregator receives it (wire message `EventBatch`).
public struct EventBatch: Sendable, Hashable {
    public var agentID: String
    /// Strictly increasing per agent and durable across restarts: the idempotency key.
    public var batchSeq: UInt64
    /// zstd dictionary id the body is compressed with, 0 for none.
    public var dictionaryID: UInt32
    public var createdAtMs: Int64
    public var evicted: EvictionReport
    public var events: [Event]
    public var commandResults: [CommandResult]
    public var agentVersion: String
    /// The agent's health when it closed the batch; nil from agents that do not send it.
    public var health: AgentHealth?
    /// Fields from a newer writer that this build does not know, kept verbatim (protobuf encoding)
    /// so that re-encoding the batch preserves them.
    public var unknownFields: [UInt8]

    public init(
        agentID: String,
        batchSeq: UInt64,
        dictionaryID: UInt32 = 0,
        createdAtMs: Int64 = 0,
        evicted: EvictionReport = EvictionReport(),
        events: [Event],
        commandResults: [CommandResult] = [],
        agentVersion: String = "",
        health: AgentHealth? = nil,
        unknownFields: [UInt8] = []
    ) {
        self.agentID = agentID
        self.batchSeq = batchSeq
        self.dictionaryID = dictionaryID
        self.createdAtMs = createdAtMs
        self.evicted = evicted
        self.events = events
        self.commandResults = commandResults
        self.agentVersion = agentVersion
        self.health = health
        self.unknownFields = unknownFields
    }
}
