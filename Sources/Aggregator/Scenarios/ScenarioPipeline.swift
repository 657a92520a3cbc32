import Shared

/// Fusion and the scenario engine together, without I/O: events go to fusion and to the rules;
/// incident changes go to the rules as `source: incident` inputs; an activation whose scenario
/// escalates raises its incidents' severity (and that change is an input too). Used by the live
/// service, backtests and the benchmark alike.
final class ScenarioPipeline {
    struct Output {
        var activations: [Activation] = []
        var incidents: [IncidentUpdate] = []

        mutating func removeAll() {
            activations.removeAll(keepingCapacity: true)
            incidents.removeAll(keepingCapacity: true)
        }
    }

    let city: CityModel
    let fuser: IncidentFuser
    let engine: ScenarioEngine
    private(set) var actions: [String: [ScenarioAction]] = [:]
    private var incidentSequence: UInt64 = 0
    private var activations: [Activation] = []
    private var updates: [IncidentUpdate] = []

    init(scenarios: [Scenario], fusion: FusionSettings, city: CityModel, latenessMs: Int64, limits: ScenarioEngine.Limits = .init()) {
        self.city = city
        fuser = IncidentFuser(settings: fusion, city: city, latenessMs: latenessMs)
        engine = ScenarioEngine(scenarios: scenarios, city: city, latenessMs: latenessMs, limits: limits)
        actions = Dictionary(scenarios.map { ($0.id, $0.actions) }, uniquingKeysWith: { a, _ in a })
    }

    func replace(scenarios: [Scenario]) {
        engine.replace(scenarios: scenarios)
        actions = Dictionary(scenarios.map { ($0.id, $0.actions) }, uniquingKeysWith: { a, _ in a })
    }

    func process(_ inputs: some Sequence<ScenarioInput>, into out: inout Output) {
        for input in inputs {
            fuser.fuse(input, into: &updates)
            engine.process(input, into: &activations)
            if !updates.isEmpty || !activations.isEmpty { settle(into: &out) }
        }
    }

    func advance(wallClockMs: Int64, into out: inout Output) {
        fuser.advance(wallClockMs: wallClockMs, into: &updates)
        engine.advance(wallClockMs: wallClockMs, into: &activations)
        settle(into: &out)
    }

    func finish(into out: inout Output) {
        fuser.finish(into: &updates)
        settle(into: &out)
        engine.finish(into: &activations)
        settle(into: &out)
    }

    /// Feeds incident changes to the rules and applies escalations, until nothing new happens
    /// (bounded: an escalation only ever raises severity, so it settles within five rounds).
    private func settle(into out: inout Output) {
        for _ in 0..<6 where !updates.isEmpty || !activations.isEmpty {
            let changes = updates
            updates.removeAll(keepingCapacity: true)
            for change in changes {
                incidentSequence += 1
                engine.process(change.scenarioInput(sequence: incidentSequence, city: city, notBeforeMs: engine.watermarkMs), into: &activations)
            }
            out.incidents += changes
            let fired = activations
            activations.removeAll(keepingCapacity: true)
            for activation in fired {
                for case .escalate(let severity) in actions[activation.scenarioID] ?? [] {
                    fuser.escalate(events: activation.events, to: severity, into: &updates)
                }
            }
            out.activations += fired
        }
    }
}
