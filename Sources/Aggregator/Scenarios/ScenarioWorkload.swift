import Foundation
import Shared

/// A reproducible stream of events for a scenario library and its city, shaped by the library
/// itself: kinds, zones and attribute values are drawn from what the rules test (values on both
/// sides of each threshold), so rules really fire. Used by `bench scenarios` and by the test that
/// holds the engine to the naive evaluator.
package struct ScenarioWorkload: Sendable {
    let city: CityModel
    let scenarios: [Scenario]
    let inputs: [ScenarioInput]

    package var eventCount: Int { inputs.count }
    package var ruleCount: Int { scenarios.filter(\.enabled).count }

    /// `spacingMs`: mean capture-time gap between consecutive events (city-wide).
    package static func make(directory: String, events: Int, seed: UInt64 = 1, spacingMs: Double = 1) throws -> ScenarioWorkload {
        let city = try CityModel.load(path: directory + "/city.yaml")
        let scenarios = try ScenarioLoader.load(directory: directory, city: city).scenarios
        return make(city: city, scenarios: scenarios, events: events, seed: seed, spacingMs: spacingMs)
    }

    static func make(city: CityModel, scenarios: [Scenario], events: Int, seed: UInt64, spacingMs: Double) -> ScenarioWorkload {
        var filters: [EventFilter] = []
        for s in scenarios {
            filters.append(s.match)
            switch s.pattern {
            case .sequence(let p): filters.append(p.then)
            case .absence(let p): filters.append(p.expect)
            default: break
            }
        }
        let kinds = Array(Set(filters.flatMap { $0.kinds ?? [] })).sorted { $0.rawValue < $1.rawValue }
        let zones = Array(Set(filters.flatMap { $0.zones ?? [] })).sorted()
        // An event carries the attributes that rules on its kind test (as a detector of that kind
        // reports them), not every key the library names: the conditions of the filters naming
        // its kind, and the attribute of each rate rule on its kind.
        var conditionsByKind: [EventKind: [String: [AttributeCondition]]] = [:]
        for f in filters {
            for kind in f.kinds.map(Array.init) ?? kinds {
                for c in f.conditions { conditionsByKind[kind, default: [:]][c.key, default: []].append(c) }
            }
        }
        var ratesByKind: [EventKind: [(key: String, span: Double)]] = [:]
        for s in scenarios {
            guard case .rate(let p) = s.pattern else { continue }
            for kind in s.match.kinds.map(Array.init) ?? kinds {
                ratesByKind[kind, default: []].append((p.attribute, max(p.rise ?? 0, p.fall ?? 0, 1)))
            }
        }
        let keysByKind = conditionsByKind.mapValues { $0.keys.sorted() }
        var random = SplitMix64(seed: seed)
        func uniform() -> Double { Double(random.next() >> 11) / Double(1 << 53) }
        func pick<T>(_ values: [T]) -> T { values[Int(random.next() % UInt64(values.count))] }
        var time: Double = 1_767_225_600_000
        var nextID: [String: UInt64] = [:]
        var inputs: [ScenarioInput] = []
        inputs.reserveCapacity(events)
        for _ in 0..<events {
            time += -log(max(uniform(), 1e-12)) * spacingMs
            let camera = pick(city.cameras)
            let kind = pick(kinds)
            var attributes = Attributes()
            for key in keysByKind[kind] ?? [] where uniform() < 0.7 {
                let c = pick(conditionsByKind[kind]![key]!)
                if let bound = c.spec.gte ?? c.spec.gt ?? c.spec.lte ?? c.spec.lt {
                    attributes[key] = .double((uniform() * 2 * max(abs(bound), 1)).rounded())
                } else if let eq = c.spec.eq {
                    attributes[key] = uniform() < 0.5 ? eq : .string("other")
                } else if let oneOf = c.spec.oneOf, !oneOf.isEmpty {
                    attributes[key] = pick(oneOf)
                } else {
                    attributes[key] = .bool(true)
                }
            }
            // Rate samples spread over twice the rule's rise (or fall), so both kinds of change happen.
            for (key, span) in ratesByKind[kind] ?? [] where attributes[key] == nil {
                attributes[key] = .double((uniform() * 2 * span).rounded())
            }
            let id = (nextID[camera.agent] ?? 0) + 1
            nextID[camera.agent] = id
            let phase: EventPhase = uniform() < 0.6 ? .start : (uniform() < 0.5 ? .update : .end)
            let event = Event(
                id: id, cameraID: camera.id, kind: kind, phase: phase, captureTimeMs: Int64(time),
                trackID: uniform() < 0.6 ? random.next() % 50 + 1 : 0, zone: zones.isEmpty || uniform() < 0.5 ? nil : pick(zones),
                confidence: Confidence(0.5 + uniform() / 2), severity: pick(Severity.allCases), attributes: attributes)
            inputs.append(ScenarioInput(agentID: camera.agent, event: event, city: city))
        }
        return ScenarioWorkload(city: city, scenarios: scenarios, inputs: inputs)
    }

    package struct Run: Sendable {
        package var seconds: Double
        package var activations: Int
        package var incidents: Int
        /// Seconds to process each input that completed a pattern (event in → activation out).
        package var activationLatencies: [Double]
    }

    /// Fusion + the engine over the stream, one input at a time (as ingest hands them over in
    /// batches). `timingEachInput`: read the clock around each input and keep the time of those
    /// that fire (the latency run); off for the throughput runs, where two clock reads per input
    /// were 5 % of the time measured.
    package func runPipeline(timingEachInput: Bool = true) -> Run {
        let pipeline = ScenarioPipeline(scenarios: scenarios, fusion: FusionSettings(), city: city, latenessMs: 60_000)
        var out = ScenarioPipeline.Output()
        var activations = 0, incidents = 0
        var latencies: [Double] = []
        let clock = ContinuousClock()
        let start = clock.now
        for input in inputs {
            let before = timingEachInput ? clock.now : start
            pipeline.process(input, into: &out)
            if !out.activations.isEmpty {
                if timingEachInput { latencies.append((clock.now - before).seconds) }
                activations += out.activations.count
            }
            incidents += out.incidents.count
            out.removeAll()
        }
        pipeline.finish(into: &out)
        return Run(seconds: (clock.now - start).seconds, activations: activations + out.activations.count, incidents: incidents, activationLatencies: latencies)
    }

    /// The naive evaluator (rescans windows per input) over the first `limit` inputs, without fusion
    /// (every rule of the library, absence rules included, like `runEngine`).
    package func runNaive(limit: Int) -> Run {
        let naive = NaiveEvaluator(scenarios: scenarios, city: city)
        var out: [Activation] = []
        let clock = ContinuousClock()
        let start = clock.now
        for input in inputs.prefix(limit) { naive.process(input, into: &out) }
        return Run(seconds: (clock.now - start).seconds, activations: out.count, incidents: 0, activationLatencies: [])
    }

    /// The engine alone (no fusion) over the first `limit` inputs: what the naive run is compared with.
    package func runEngine(limit: Int) -> Run {
        let engine = ScenarioEngine(scenarios: scenarios, city: city, latenessMs: 0)
        var out: [Activation] = []
        let clock = ContinuousClock()
        let start = clock.now
        for input in inputs.prefix(limit) { engine.process(input, into: &out) }
        return Run(seconds: (clock.now - start).seconds, activations: out.count, incidents: 0, activationLatencies: [])
    }
}
