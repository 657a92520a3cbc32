import Shared

/// What an activation does besides being recorded and streamed to operators (which always happens).
enum ScenarioAction: Sendable, Hashable {
    /// POST the activation as a CloudEvent to the webhook of this name (aggregator config).
    case webhook(name: String)
    /// Send a command to the agents of the target cameras in their next ack.
    case command(CommandAction)
    /// Raise the severity of the incidents the activation's events belong to.
    case escalate(Severity)
}

struct CommandAction: Sendable, Hashable {
    /// Which cameras receive the command, relative to the activation's cameras.
    enum Target: String, Decodable, Sendable, Hashable, CaseIterable {
        /// The activation's own cameras.
        case affected
        /// Every camera in the activation's districts.
        case district
        /// Every camera in districts bordering the activation's districts.
        case adjacent
        /// Cameras on reaches downstream of the activation's reaches.
        case downstream
        /// Cameras on road segments ahead of the activation's roads.
        case roadAhead = "road_ahead"
    }

    /// `set_profile`, `set_fps`, `take_snapshot` (the agent refuses types it does not know).
    var type: String
    var arguments: [String: String]
    var target: Target
    /// The agent must not execute it after this long; an unacknowledged command expires then.
    var ttl: ScenarioDuration
}

extension ScenarioAction: Decodable {
    enum CodingKeys: String, CodingKey { case webhook, command, escalate }

    struct CommandSpec: Decodable {
        var type: String
        var arguments: [String: String]?
        var target: CommandAction.Target?
        var ttl: ScenarioDuration?
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard c.allKeys.count == 1, let key = c.allKeys.first else {
            throw ConfigValueError("an action is exactly one of: webhook, command, escalate")
        }
        switch key {
        case .webhook:
            self = .webhook(name: try c.decode(String.self, forKey: .webhook))
        case .escalate:
            self = .escalate(try c.decode(Severity.self, forKey: .escalate))
        case .command:
            let spec = try c.decode(CommandSpec.self, forKey: .command)
            guard CommandAction.knownTypes.contains(spec.type) else {
                throw ConfigValueError("unknown command type '\(spec.type)' (expected one of: \(CommandAction.knownTypes.sorted().joined(separator: ", ")))", at: "command.type")
            }
            self = .command(CommandAction(
                type: spec.type, arguments: spec.arguments ?? [:], target: spec.target ?? .affected,
                ttl: spec.ttl ?? ScenarioDuration(milliseconds: 15 * 60_000)))
        }
    }
}

extension CommandAction {
    /// The command types agents execute (docs/SCENARIOS.md, "Commands").
    static let knownTypes: Set<String> = ["set_profile", "set_fps", "take_snapshot"]
}
