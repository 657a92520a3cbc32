@testable import Aggregator
import Foundation
import Shared
import Testing
import TestSupport

/// Command targets resolved against the library's fixture city (Deploy/scenarios/city.yaml), and
/// the operations database's command life cycle.
@Suite struct ActionPlannerTests {
    static let city = try! CityModel.load(path: TestPaths.packageRoot.appendingPathComponent("Deploy/scenarios/city.yaml").path)

    func activation(cameras: [String]) -> Activation {
        let c = cameras.compactMap { Self.city.camerasByID[$0] }
        return Activation(
            id: "s/k/1", scenarioID: "s", title: "S", domain: .water, severity: .high, timeMs: 1, key: "k",
            districts: Array(Set(c.map(\.district))).sorted(), cameras: cameras, reaches: c.compactMap(\.reach), roads: c.compactMap(\.road),
            events: [], summary: "")
    }

    func targets(_ target: CommandAction.Target, _ cameras: [String]) -> [String] {
        ActionPlanner(city: Self.city).targets(target, of: activation(cameras: cameras))
    }

    @Test func targets_followTheCityModel() {
        #expect(targets(.affected, ["cam-n-river"]) == ["cam-n-river"])
        #expect(targets(.district, ["cam-e-park"]) == ["cam-e-brook", "cam-e-road", "cam-e-park"])
        // north borders centre and east.
        #expect(Set(targets(.adjacent, ["cam-n-gate"]).map { Self.city.camerasByID[$0]!.district }) == ["centre", "east"])
        // jade-2 (centre) flows to jade-3 (south) and jade-4 (harbour); not up to jade-1 or the brook.
        #expect(targets(.downstream, ["cam-c-river"]) == ["cam-s-river", "cam-h-river"])
        #expect(targets(.downstream, ["cam-h-river"]).isEmpty)
        // avenue-1 leads to avenue-2 only; the ring leads to every other ring segment.
        #expect(targets(.roadAhead, ["cam-c-road"]) == ["cam-s-avenue"])
        #expect(Set(targets(.roadAhead, ["cam-n-road"])) == ["cam-e-road", "cam-s-road", "cam-w-road"])
    }

    @Test func plan_groupsCommandsByOwner_withDeterministicIDs() {
        let scenario = ScenarioAction.command(CommandAction(
            type: "set_profile", arguments: ["profile": "flood-watch"], target: .downstream, ttl: ScenarioDuration(milliseconds: 60_000)))
        let plan = ActionPlanner(city: Self.city).plan(activation(cameras: ["cam-c-river"]), actions: [scenario, .webhook(name: "w"), .webhook(name: "w")], nowMs: 1000)
        #expect(plan.commands.map(\.agentID) == ["agent-south", "agent-harbour"])
        #expect(plan.commands.map(\.id) == [
            ActionPlanner.commandID(activation: "s/k/1", camera: "cam-s-river", type: "set_profile"),
            ActionPlanner.commandID(activation: "s/k/1", camera: "cam-h-river", type: "set_profile"),
        ])
        #expect(plan.commands.allSatisfy { $0.id.utf8.count == 36 && $0.id.hasPrefix("cmd-") })
        #expect(Set(plan.commands.map(\.id)).count == 2)
        #expect(plan.commands.allSatisfy { $0.expiresAtMs == 61_000 })
        #expect(plan.webhooks == ["w"])
    }

    @Test func store_commandsGoOutUntilReported_andExpire() throws {
        let dir = try TestPaths.temporaryDirectory("ops")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try ActionStore(path: dir.appendingPathComponent("ops.sqlite").path)
        let scenario = ScenarioAction.command(CommandAction(type: "set_fps", arguments: ["fps": "10"], target: .district, ttl: ScenarioDuration(milliseconds: 60_000)))
        let a = activation(cameras: ["cam-e-park"])
        let plan = ActionPlanner(city: Self.city).plan(a, actions: [scenario], nowMs: 0)
        #expect(try store.record(a, plan: plan, nowMs: 0))
        #expect(try !store.record(a, plan: plan, nowMs: 5), "the same activation again writes nothing")
        #expect(try store.openCommands(agent: "agent-north", nowMs: 1).isEmpty)
        let first = try store.openCommands(agent: "agent-east", nowMs: 1)
        #expect(first.count == 3)
        #expect(try store.openCommands(agent: "agent-east", nowMs: 2).count == 3, "sent again until reported")
        // Another agent cannot report on agent-east's commands.
        #expect(try store.recordResults(agent: "agent-north", [CommandResult(commandID: first[0].id, status: .done)], nowMs: 3) == 0)
        #expect(try store.recordResults(agent: "agent-east", [CommandResult(commandID: first[0].id, status: .done, message: "ok")], nowMs: 3) == 1)
        #expect(try store.openCommands(agent: "agent-east", nowMs: 4).count == 2)
        #expect(try store.expireCommands(nowMs: 60_000) == 2)
        #expect(try store.openCommands(agent: "agent-east", nowMs: 60_001).isEmpty)
        let statuses = try store.commands().map(\.status)
        #expect(statuses.filter { $0 == .done }.count == 1 && statuses.filter { $0 == .expired }.count == 2)
        // A reopened database still knows nothing is open.
        let reopened = try ActionStore(path: dir.appendingPathComponent("ops.sqlite").path)
        #expect(try reopened.openCommands(agent: "agent-east", nowMs: 1).isEmpty)
    }

    @Test func prune_keepsWhatIsOpenOrPending() throws {
        let dir = try TestPaths.temporaryDirectory("ops-prune")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try ActionStore(path: dir.appendingPathComponent("ops.sqlite").path)
        let command = ScenarioAction.command(CommandAction(type: "set_fps", arguments: ["fps": "5"], target: .affected, ttl: ScenarioDuration(milliseconds: 60_000)))
        var old = activation(cameras: ["cam-e-park"])
        old.id = "old"
        var pending = activation(cameras: ["cam-e-park"])
        pending.id = "pending-webhook"
        let planner = ActionPlanner(city: Self.city)
        try store.record(old, plan: planner.plan(old, actions: [command], nowMs: 0), nowMs: 0)
        try store.record(pending, plan: planner.plan(pending, actions: [.webhook(name: "w")], nowMs: 0), nowMs: 0)
        #expect(try store.prune(olderThan: 1_000) == 0, "the command is still open and the delivery pending")
        try store.expireCommands(nowMs: 60_000)
        #expect(try store.prune(olderThan: 1_000) == 2, "the expired command and its activation")
        #expect(try store.activations().map(\.id) == ["pending-webhook"])
        #expect(try store.deliveries().count == 1)
    }
}
