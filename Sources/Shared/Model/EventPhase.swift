/// Where an event stands in its lifecycle.
public enum EventPhase: String, Sendable, Hashable, Codable, CaseIterable {
    /// The track or condition began; opens a lifecycle.
    case start
    /// A significant change (rate-limited by the agent).
    case update
    /// The track or condition ended (after hysteresis).
    case end
}
