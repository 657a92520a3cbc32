import DequeModule
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
    /// Kind numbers shared by fusion and the engine: an input's kind is hashed once.
    private let kinds: KindNumbers
    private(set) var actions: [String: [ScenarioAction]] = [:]
    private var incidentSequence: UInt64 = 0
    // Unchecked: handed `inout` to fusion and the engine per input, and the run-time exclusivity
    // checks of a class's stored properties were 3 % of fusion + library (perf). Neither callee
    // can reach the pipeline.
    @exclusivity(unchecked) private var activations: [Activation] = []
    @exclusivity(unchecked) private var updates: [IncidentUpdate] = []
    /// Incident inputs lately given to the rules, by their sequence (the event id they carry), so
    /// that an activation made from one acts on the incident: escalation, all its cameras.
    private var incidentInputs: [UInt64: Incident] = [:]
    private var incidentInputOrder: Deque<UInt64> = []
    private static let incidentInputMemory = 10_000

    init(scenarios: [Scenario], fusion: FusionSettings, city: CityModel, latenessMs: Int64, limits: ScenarioEngine.Limits = .init()) {
        self.city = city
        let kinds = KindNumbers()
        self.kinds = kinds
        fuser = IncidentFuser(settings: fusion, city: city, latenessMs: latenessMs, kinds: kinds)
        engine = ScenarioEngine(scenarios: scenarios, city: city, latenessMs: latenessMs, limits: limits, kinds: kinds)
        actions = Dictionary(scenarios.map { ($0.id, $0.actions) }, uniquingKeysWith: { a, _ in a })
    }

    func replace(scenarios: [Scenario]) {
        engine.replace(scenarios: scenarios)
        actions = Dictionary(scenarios.map { ($0.id, $0.actions) }, uniquingKeysWith: { a, _ in a })
    }

    func process(_ inputs: [ScenarioInput], into out: inout Output) {
        for input in inputs { process(input, into: &out) }
    }

    func process(_ input: ScenarioInput, into out: inout Output) {
        let kind = kinds.number(of: input.event.kind)
        fuser.fuse(input, kindNumber: kind, into: &updates)
        engine.process(input, kindNumber: kind, into: &activations)
        if !updates.isEmpty || !activations.isEmpty { settle(into: &out) }
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
                incidentInputs[incidentSequence] = change.incident
                incidentInputOrder.append(incidentSequence)
                if incidentInputOrder.count > Self.incidentInputMemory { incidentInputs[incidentInputOrder.removeFirst()] = nil }
                engine.process(change.scenarioInput(sequence: incidentSequence, city: city, notBeforeMs: engine.watermarkMs), into: &activations)
            }
            out.incidents += changes
            var fired = activations
            activations.removeAll(keepingCapacity: true)
            for i in fired.indices {
                // An activation made from incidents covers all their cameras and districts.
                let incidents = fired[i].events.filter { $0.agentID == IncidentUpdate.fusionAgent }.compactMap { incidentInputs[$0.eventID] }
                if !incidents.isEmpty {
                    fired[i].cameras = Array(Set(fired[i].cameras + incidents.flatMap(\.cameras))).sorted()
                    fired[i].districts = Array(Set(fired[i].districts + incidents.flatMap(\.districts))).sorted()
                }
                for case .escalate(let severity) in actions[fired[i].scenarioID] ?? [] {
                    fuser.escalate(
                        events: fired[i].events, cameras: fired[i].cameras, incidents: incidents.map(\.id), to: severity, into: &updates)
                }
            }
            out.activations += fired
        }
    }
}
