/// What an agent had to drop from its full spool since its previous batch, so the aggregator knows
/// what was lost (wire message `EvictionReport`).
public struct EvictionReport: Sendable, Hashable, Codable {
    public var events: UInt64
    public var snapshots: UInt64
    /// Evicted events per severity.
    public var eventsBySeverity: [Severity: UInt64]
    /// Capture-time range of the evicted events, ms since the epoch (0 when none).
    public var oldestCaptureMs: Int64
    public var newestCaptureMs: Int64

    public init(
        events: UInt64 = 0, snapshots: UInt64 = 0, eventsBySeverity: [Severity: UInt64] = [:],
        oldestCaptureMs: Int64 = 0, newestCaptureMs: Int64 = 0
    ) {
        self.events = events
        self.snapshots = snapshots
        self.eventsBySeverity = eventsBySeverity
        self.oldestCaptureMs = oldestCaptureMs
        self.newestCaptureMs = newestCaptureMs
    }

    public var isEmpty: Bool { events == 0 && snapshots == 0 }
}
