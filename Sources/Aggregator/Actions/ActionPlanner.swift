import Crypto
import Foundation
import Shared

/// Turns an activation into the commands and webhook deliveries its scenario's actions ask for,
/// resolving command targets (affected, district, adjacent, downstream, road ahead) against the
/// city model. Pure: tested without a database.
struct ActionPlanner: Sendable {
    let city: CityModel

    struct Plan: Sendable, Hashable {
        var commands: [AgentCommand] = []
        var webhooks: [String] = []
        var escalation: Severity?
    }

    func plan(_ activation: Activation, actions: [ScenarioAction], nowMs: Int64) -> Plan {
        var plan = Plan()
        for action in actions {
            switch action {
            case .webhook(let name):
                if !plan.webhooks.contains(name) { plan.webhooks.append(name) }
            case .escalate(let severity):
                plan.escalation = max(plan.escalation ?? severity, severity)
            case .command(let c):
                for camera in targets(c.target, of: activation) {
                    guard let owner = city.camerasByID[camera]?.agent else { continue }
                    let id = Self.commandID(activation: activation.id, camera: camera, type: c.type)
                    guard !plan.commands.contains(where: { $0.id == id }) else { continue }
                    plan.commands.append(AgentCommand(
                        id: id, activationID: activation.id, agentID: owner, cameraID: camera, type: c.type, arguments: c.arguments,
                        issuedAtMs: nowMs, expiresAtMs: nowMs.saturatingAdd(c.ttl.milliseconds), status: .pending, deliveries: 0, finishedAtMs: nil,
                        message: ""))
                }
            }
        }
        return plan
    }

    /// `cmd-` and 32 hex digits of SHA-256 over activation, camera and type: deterministic (a
    /// re-made activation makes no new command) and short whatever the ids it is made from (the
    /// wire caps ids, and a command id too long to report on would block its agent's batches).
    static func commandID(activation: String, camera: String, type: String) -> String {
        let digest = SHA256.hash(data: Array("\(activation)\u{1F}\(camera)\u{1F}\(type)".utf8))
        return "cmd-" + digest.prefix(16).hexString
    }

    /// Camera ids in city-file order.
    func targets(_ target: CommandAction.Target, of a: Activation) -> [String] {
        let districts = Set(a.districts)
        switch target {
        case .affected:
            return city.cameras.map(\.id).filter { a.cameras.contains($0) }
        case .district:
            return city.cameras.filter { districts.contains($0.district) }.map(\.id)
        case .adjacent:
            let neighbours = Set(a.districts.flatMap { city.districtsByID[$0]?.adjacent ?? [] }).subtracting(districts)
            return city.cameras.filter { neighbours.contains($0.district) }.map(\.id)
        case .downstream:
            let below = Set(a.reaches.flatMap { city.reaches.reachable[$0] ?? [] }).subtracting(a.reaches)
            return city.cameras.filter { $0.reach.map(below.contains) ?? false }.map(\.id)
        case .roadAhead:
            let ahead = Set(a.roads.flatMap { city.roads.reachable[$0] ?? [] }).subtracting(a.roads)
            return city.cameras.filter { $0.road.map(ahead.contains) ?? false }.map(\.id)
        }
    }
}
