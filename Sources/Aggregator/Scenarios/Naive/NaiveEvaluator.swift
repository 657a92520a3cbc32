import Shared

/// The textbook evaluator the engine is measured against (and checked against): it keeps every
/// matching input of the last window per rule and, for each new input, rescans that history to
/// decide. Same semantics as `ScenarioEngine` with inputs in time order: an absence's first steps
/// run out once the watermark (the newest time minus `latenessMs`) passes their deadline; never
/// used in service.
final class NaiveEvaluator {
    private let rules: [RuleRuntime]
    private let correlator: Correlator
    private let latenessMs: Int64
    /// Per rule: recent inputs that matched its first filter.
    private var history: [[InputSnapshot]]
    private var values: [[Double]]
    /// Absence rules: whether each first step in `history` saw its expected input.
    private var satisfied: [[Bool]]
    private var newestMs = Int64.min

    init(scenarios: [Scenario], city: CityModel, latenessMs: Int64 = 0) {
        rules = scenarios.filter(\.enabled).map { RuleRuntime(scenario: $0, pendingCapacity: .max) }
        correlator = Correlator(city: city)
        self.latenessMs = latenessMs
        history = Array(repeating: [], count: rules.count)
        values = Array(repeating: [], count: rules.count)
        satisfied = Array(repeating: [], count: rules.count)
    }

    func process(_ input: ScenarioInput, into out: inout [Activation]) {
        let s = input
        for (i, rule) in rules.enumerated() {
            let scenario = rule.scenario
            switch scenario.pattern {
            case .single:
                if scenario.match.matches(input) { fire(rule, s, [s], &out) }
            case .count(let p):
                guard scenario.match.matches(input), let group = p.groupBy.value(of: s), p.distinct.value(of: s) != nil else { continue }
                history[i].append(s)
                let window = history[i].filter { $0.timeMs >= s.timeMs - p.window.milliseconds && p.groupBy.value(of: $0) == group }
                let n = p.distinct == .events ? window.count : Set(window.compactMap { p.distinct.value(of: $0) }).count
                if n >= p.atLeast { fire(rule, s, Array(window.suffix(Activation.maxEvents)), &out) }
                history[i].removeAll { $0.timeMs < s.timeMs - p.window.milliseconds }
            case .sequence(let p):
                if p.then.matches(input) {
                    let keys = Set(correlator.lookupKeys(p.correlate, s))
                    let first = history[i].first { a in
                        a.timeMs <= s.timeMs && s.timeMs <= a.timeMs + p.within.milliseconds && a.reference != s.reference
                            && (correlator.fileKey(p.correlate, a).map(keys.contains) ?? false)
                            && !(p.otherDistrict && a.district == s.district) && correlator.related(p.correlate, first: a, second: s)
                    }
                    if let first { fire(rule, s, [first, s], &out) }
                }
                if scenario.match.matches(input), correlator.fileKey(p.correlate, s) != nil { history[i].append(s) }
                history[i].removeAll { $0.timeMs + p.within.milliseconds < s.timeMs }
            case .rate(let p):
                guard scenario.match.matches(input), let value = input.event.attributes[p.attribute]?.doubleValue,
                    let group = p.groupBy.value(of: s)
                else { continue }
                history[i].append(s)
                values[i].append(value)
                let inWindow = history[i].indices.filter {
                    history[i][$0].timeMs >= s.timeMs - p.window.milliseconds && p.groupBy.value(of: history[i][$0]) == group
                }
                let samples = inWindow.map { values[i][$0] }
                if let rise = p.rise, let low = samples.min(), value - low >= rise {
                    fire(rule, s, [history[i][inWindow[samples.firstIndex(of: low)!]], s], &out)
                } else if let fall = p.fall, let high = samples.max(), high - value >= fall {
                    fire(rule, s, [history[i][inWindow[samples.firstIndex(of: high)!]], s], &out)
                }
                let keep = history[i].indices.filter { history[i][$0].timeMs >= s.timeMs - p.window.milliseconds }
                history[i] = keep.map { history[i][$0] }
                values[i] = keep.map { values[i][$0] }
            case .absence(let p):
                if p.expect.matches(input) {
                    let keys = Set(correlator.lookupKeys(p.correlate, s))
                    for (j, a) in history[i].enumerated() where !satisfied[i][j] {
                        if a.timeMs <= s.timeMs, s.timeMs <= a.timeMs + p.within.milliseconds, a.reference != s.reference,
                            correlator.fileKey(p.correlate, a).map(keys.contains) ?? false, correlator.related(p.correlate, first: a, second: s)
                        {
                            satisfied[i][j] = true
                        }
                    }
                }
                if scenario.match.matches(input), correlator.fileKey(p.correlate, s) != nil {
                    history[i].append(s)
                    satisfied[i].append(false)
                }
            }
        }
        // Then time moves on: first steps whose wait the watermark passed fire unless satisfied.
        guard s.timeMs > newestMs else { return }
        newestMs = s.timeMs
        let watermark = s.timeMs - latenessMs
        for (i, rule) in rules.enumerated() {
            guard case .absence(let p) = rule.scenario.pattern else { continue }
            let due = history[i].indices.filter { history[i][$0].timeMs + p.within.milliseconds < watermark }
            for j in due where !satisfied[i][j] {
                let a = history[i][j]
                fire(rule, a, [a], at: a.timeMs + p.within.milliseconds, &out)
            }
            let keep = history[i].indices.filter { history[i][$0].timeMs + p.within.milliseconds >= watermark }
            history[i] = keep.map { history[i][$0] }
            satisfied[i] = keep.map { satisfied[i][$0] }
        }
    }

    /// `timeMs`: when it fires (the trigger's time; an absence's deadline).
    private func fire(
        _ rule: RuleRuntime, _ trigger: InputSnapshot, _ snapshots: [InputSnapshot], at timeMs: Int64? = nil, _ out: inout [Activation]
    ) {
        let timeMs = timeMs ?? trigger.timeMs
        let key = rule.scenario.dedup.value(of: trigger) ?? ""
        guard rule.admit(key: key, timeMs: timeMs) else { return }
        out.append(Activation(
            id: "\(rule.scenario.id)/\(key)/\(timeMs)", scenarioID: rule.scenario.id, title: rule.scenario.title,
            domain: rule.scenario.domain, severity: rule.scenario.severity, timeMs: timeMs, key: key, districts: [], cameras: [],
            reaches: [], roads: [], events: snapshots.map(\.reference), summary: ""))
    }
}
