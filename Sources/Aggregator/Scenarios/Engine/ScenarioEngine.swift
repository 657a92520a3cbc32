import Shared

/// Evaluates a set of scenarios incrementally over a stream of inputs in event time.
///
/// Each input touches only the rules whose filters name its kind (or name no kind), and inside a
/// rule only its own group's window or the pending steps under the keys it can correlate with:
/// nothing is rescanned per input. Time is the events' capture time; the watermark trails the
/// newest capture time seen (or the wall clock given to `advance`) by the lateness allowance.
/// Inputs older than the watermark are late: counted and not evaluated (ingest stored them).
///
/// Not thread-safe: one task owns an engine (the scenario service, a backtest, a fixture run).
final class ScenarioEngine {
    struct Limits: Sendable {
        /// Pending first steps per sequence/absence rule; the oldest go first beyond it.
        var pendingPerRule = 100_000
        /// Entries per count group.
        var entriesPerGroup = 10_000
        /// How far the watermark moves between sweeps of expired state.
        var sweepEveryMs: Int64 = 1_000
    }

    struct Statistics: Sendable, Hashable {
        var inputs = 0
        var late = 0
        var activations = 0
        var suppressed = 0
        var stateEntries = 0
        var droppedState = 0
    }

    let city: CityModel
    let lateness: Int64
    let limits: Limits
    private let correlator: Correlator
    private(set) var rules: [RuleRuntime]
    /// Rules to try for an input of a kind: those whose filters name the kind ...
    private var rulesByKind: [EventKind: [Int]] = [:]
    /// `rulesByKind` by kind number (`kinds`), filled on first sight of each kind.
    private var rulesByKindNumber = ByKindNumber<[Int]>()
    let kinds: KindNumbers
    /// ... and those that match any kind.
    private var anyKindRules: [Int] = []
    /// Sequence and absence rules: the only ones with deadlines to expire.
    private var timedRules: [Int] = []
    /// At most the earliest deadline any timed rule waits for (`.min`: unknown): while the
    /// watermark has not passed it, moving the watermark visits no rule.
    private var nextDeadlineMs: Int64 = .min
    private var newestMs: Int64 = .min
    private(set) var watermarkMs: Int64 = .min
    private var lastSweepMs: Int64 = .min
    private var inputs = 0
    private var late = 0

    init(scenarios: [Scenario], city: CityModel, latenessMs: Int64 = 60_000, limits: Limits = Limits(), kinds: KindNumbers = KindNumbers()) {
        self.kinds = kinds
        self.city = city
        self.lateness = latenessMs
        self.limits = limits
        correlator = Correlator(city: city)
        rules = scenarios.filter(\.enabled).map { RuleRuntime(scenario: $0, pendingCapacity: limits.pendingPerRule) }
        indexRules()
    }

    /// Swaps in a new scenario set (a reload): a rule whose definition did not change keeps its
    /// windows, pending steps and cooldowns; changed and new rules start empty.
    func replace(scenarios: [Scenario]) {
        let running = Dictionary(rules.map { ($0.scenario, $0) }, uniquingKeysWith: { a, _ in a })
        rules = scenarios.filter(\.enabled).map { running[$0] ?? RuleRuntime(scenario: $0, pendingCapacity: limits.pendingPerRule) }
        indexRules()
    }

    private func indexRules() {
        rulesByKind = [:]
        rulesByKindNumber = ByKindNumber()
        anyKindRules = []
        timedRules = []
        nextDeadlineMs = .min
        for (i, rule) in rules.enumerated() {
            switch rule.scenario.pattern {
            case .sequence, .absence: timedRules.append(i)
            default: break
            }
            var filters = [rule.scenario.match]
            switch rule.scenario.pattern {
            case .sequence(let p): filters.append(p.then)
            case .absence(let p): filters.append(p.expect)
            default: break
            }
            if filters.contains(where: { $0.kinds == nil }) {
                anyKindRules.append(i)
            } else {
                for kind in Set(filters.flatMap { $0.kinds ?? [] }) { rulesByKind[kind, default: []].append(i) }
            }
        }
    }

    /// Restores a cooldown from before a restart: the rule stays quiet for `key` as if it had
    /// fired at `timeMs`.
    func seedCooldown(scenario: String, key: String, timeMs: Int64) {
        for rule in rules where rule.scenario.id == scenario {
            rule.lastFired[key] = max(rule.lastFired[key] ?? .min, timeMs)
        }
    }

    /// Evaluates one input; activations are appended to `out`.
    func process(_ input: ScenarioInput, into out: inout [Activation]) {
        process(input, kindNumber: kinds.number(of: input.event.kind), into: &out)
    }

    /// The rules to try for a kind (those naming it), by its number.
    private func rules(forKind kind: EventKind, number k: Int) -> [Int] {
        if let known = rulesByKindNumber[k] { return known }
        let found = rulesByKind[kind] ?? []
        rulesByKindNumber[k] = found
        return found
    }

    /// `kindNumber`: the input's kind numbered by `kinds`.
    func process(_ input: ScenarioInput, kindNumber: Int, into out: inout [Activation]) {
        inputs += 1
        let t = input.timeMs
        if t < watermarkMs {
            late += 1
            return
        }
        let byKind = rules(forKind: input.event.kind, number: kindNumber)
        if !byKind.isEmpty || !anyKindRules.isEmpty {
            for i in byKind { evaluate(rules[i], input, into: &out) }
            for i in anyKindRules { evaluate(rules[i], input, into: &out) }
        }
        if t > newestMs {
            newestMs = t
            moveWatermark(to: t - lateness, into: &out)
        }
    }

    /// Moves the watermark to `wallClockMs - lateness` if that is later (time passes even when no
    /// event arrives: absences must fire), firing absences whose wait ran out.
    func advance(wallClockMs: Int64, into out: inout [Activation]) {
        moveWatermark(to: wallClockMs - lateness, into: &out)
    }

    /// Ends a finite replay (fixtures, backtests): every pending wait runs out.
    func finish(into out: inout [Activation]) {
        moveWatermark(to: .max, into: &out)
    }

    var statistics: Statistics {
        var s = Statistics(inputs: inputs, late: late)
        for rule in rules {
            s.activations += rule.fired
            s.suppressed += rule.suppressed
            s.stateEntries += rule.stateEntries
            s.droppedState += rule.droppedEntries + rule.pending.dropped
        }
        return s
    }

    // MARK: - Evaluation

    /// `s`: the input, which windows and pending steps keep as it is (`InputSnapshot`).
    private func evaluate(_ rule: RuleRuntime, _ s: ScenarioInput, into out: inout [Activation]) {
        // `rule.scenario` read in place each time: a local copy of the scenario (or of its filter)
        // retained and released every field per input (perf).
        switch rule.scenario.pattern {
        case .single:
            guard rule.scenario.match.matches(s) else { return }
            fire(rule, at: s.timeMs, trigger: s, snapshots: [s], summary: "\(s.kind) at \(s.cameraID) (\(s.district))", into: &out)

        case .count(let p):
            guard rule.scenario.match.matches(s), let group = p.groupBy.value(of: s) else { return }
            // `events` needs no distinct bookkeeping: every input is its own value.
            let distinct: String?
            if p.distinct == .events {
                distinct = nil
            } else {
                guard let value = p.distinct.value(of: s) else { return }
                distinct = value
            }
            let limit = limits.entriesPerGroup
            var dropped = 0
            // In place (`windows[group, default:]`): copying the window out would copy its storage per input.
            let n = rule.withWindow(group) { window -> Int in
                window.add(s, distinct: distinct)
                window.evict(before: window.newestMs - p.window.milliseconds)
                while window.count > limit {
                    window.removeFirst()
                    dropped += 1
                }
                return p.distinct == .events ? window.count : window.distinctCount
            }
            rule.droppedEntries += dropped
            guard n >= p.atLeast else { return }
            fire(
                rule, at: s.timeMs, trigger: s,
                snapshots: rule.windows[group]?.entries.suffix(Activation.maxEvents).map(\.snapshot) ?? [],
                summary: "\(n) \(p.distinct == .events ? "events" : "distinct \(p.distinct.rawValue)") within \(p.window) in \(group.isEmpty ? "the city" : "\(p.groupBy.rawValue) \(group)")",
                into: &out)

        case .sequence(let p):
            if p.then.matches(s), let first = waitingFirstStep(rule, p.correlate, p.otherDistrict, s) {
                fire(rule, at: s.timeMs, trigger: s, snapshots: [first, s],
                     summary: "\(first.kind) at \(first.cameraID) (\(first.district)) then \(s.kind) at \(s.cameraID) (\(s.district)) within \(p.within)",
                     into: &out)
            }
            if rule.scenario.match.matches(s), let key = correlator.fileKey(p.correlate, s) {
                wait(rule, s, key: key, deadlineMs: s.timeMs.saturatingAdd(p.within.milliseconds))
            }

        case .absence(let p):
            if p.expect.matches(s) {
                var satisfied: [UInt64] = []
                for key in correlator.lookupKeys(p.correlate, s) {
                    rule.pending.forEach(under: key) { id, entry in
                        if !entry.satisfied, entry.snapshot.timeMs <= s.timeMs, s.timeMs <= entry.deadlineMs,
                            entry.snapshot.reference != s.reference, correlator.related(p.correlate, first: entry.snapshot, second: s)
                        {
                            satisfied.append(id)
                        }
                        return true
                    }
                }
                for id in satisfied { rule.pending.markSatisfied(id) }
                // The step now oldest may be due before the one removed (it arrived later but
                // was captured earlier, within the lateness allowance).
                if !satisfied.isEmpty { lowerDeadlineBound(rule) }
            }
            if rule.scenario.match.matches(s), let key = correlator.fileKey(p.correlate, s) {
                wait(rule, s, key: key, deadlineMs: s.timeMs.saturatingAdd(p.within.milliseconds))
            }

        case .rate(let p):
            guard rule.scenario.match.matches(s), let value = s.event.attributes[p.attribute]?.doubleValue,
                let group = p.groupBy.value(of: s)
            else { return }
            // A sample older than the group's newest (within the lateness allowance) is not
            // compared: the window's extremes may come from after it. In place, like count windows.
            typealias Extreme = (value: Double, snapshot: InputSnapshot)
            let extremes = rule.withRates(group) { window -> (lowest: Extreme?, highest: Extreme?)? in
                window.evict(before: s.timeMs - p.window.milliseconds)
                guard window.add(value: value, snapshot: s) else { return nil }
                return (window.lowest, window.highest)
            }
            guard let extremes else { return }
            if let rise = p.rise, let low = extremes.lowest, value - low.value >= rise {
                fire(rule, at: s.timeMs, trigger: s, snapshots: [low.snapshot, s],
                     summary: "\(p.attribute) rose from \(low.value) to \(value) within \(p.window) at \(s.cameraID)", into: &out)
            } else if let fall = p.fall, let high = extremes.highest, high.value - value >= fall {
                fire(rule, at: s.timeMs, trigger: s, snapshots: [high.snapshot, s],
                     summary: "\(p.attribute) fell from \(high.value) to \(value) within \(p.window) at \(s.cameraID)", into: &out)
            }
        }
    }

    /// The oldest first step still waiting that this second step completes.
    private func waitingFirstStep(_ rule: RuleRuntime, _ c: Correlation, _ otherDistrict: Bool, _ s: InputSnapshot) -> InputSnapshot? {
        var found: InputSnapshot?
        for key in correlator.lookupKeys(c, s) {
            rule.pending.forEach(under: key) { _, entry in
                let a = entry.snapshot
                guard a.timeMs <= s.timeMs, s.timeMs <= entry.deadlineMs, a.reference != s.reference else { return true }
                if otherDistrict, a.district == s.district { return true }
                if correlator.related(c, first: a, second: s) { found = a; return false }
                return true
            }
            if found != nil { return found }
        }
        return nil
    }

    private func wait(_ rule: RuleRuntime, _ s: InputSnapshot, key: String, deadlineMs: Int64) {
        rule.pending.insert(s, key: key, deadlineMs: deadlineMs)
        // The insert may also have dropped the oldest step (the rule's cap).
        lowerDeadlineBound(rule, deadlineMs)
    }

    /// Keeps `rule.earliestDeadlineBound` at most its oldest pending step's deadline, and
    /// `nextDeadlineMs` at most every rule's bound, after steps were added or removed.
    private func lowerDeadlineBound(_ rule: RuleRuntime, _ deadlineMs: Int64 = .max) {
        rule.earliestDeadlineBound = min(rule.earliestDeadlineBound, deadlineMs, rule.pending.earliestDeadlineMs() ?? .max)
        nextDeadlineMs = min(nextDeadlineMs, rule.earliestDeadlineBound)
    }

    private func moveWatermark(to w: Int64, into out: inout [Activation]) {
        guard w > watermarkMs else { return }
        watermarkMs = w
        if nextDeadlineMs < w || w == .max { expireDeadlines(through: w, into: &out) }
        if lastSweepMs == .min || w == .max || w - lastSweepMs >= limits.sweepEveryMs {
            lastSweepMs = w
            for rule in rules { rule.sweep(watermarkMs: w) }
        }
    }

    /// Expires the pending steps whose deadline the watermark passed (firing absences), then
    /// notes the earliest deadline still waiting.
    private func expireDeadlines(through w: Int64, into out: inout [Activation]) {
        var next = Int64.max
        defer { nextDeadlineMs = next }
        for i in timedRules {
            let rule = rules[i]
            // The rule's lower bound first: most rules have nothing due, and asking their pending
            // steps cost two dictionary probes each, per rule and watermark move (perf).
            guard rule.earliestDeadlineBound < w || w == .max else {
                next = min(next, rule.earliestDeadlineBound)
                continue
            }
            defer {
                rule.earliestDeadlineBound = rule.pending.earliestDeadlineMs() ?? .max
                next = min(next, rule.earliestDeadlineBound)
            }
            guard let earliest = rule.pending.earliestDeadlineMs(), earliest < w || w == .max else { continue }
            guard case .absence(let p) = rule.scenario.pattern else {
                if case .sequence = rule.scenario.pattern { _ = rule.pending.expire(through: w) }
                continue
            }
            for entry in rule.pending.expire(through: w) where !entry.satisfied {
                let a = entry.snapshot
                fire(rule, at: entry.deadlineMs, trigger: a, snapshots: [a],
                     summary: "\(a.kind) at \(a.cameraID) (\(a.district)) not followed within \(p.within)", into: &out)
            }
        }
    }

    private func fire(
        _ rule: RuleRuntime, at timeMs: Int64, trigger: InputSnapshot, snapshots: @autoclosure () -> [InputSnapshot],
        summary: @autoclosure () -> String, into out: inout [Activation]
    ) {
        let scenario = rule.scenario
        let key = scenario.dedup.value(of: trigger) ?? ""
        guard rule.admit(key: key, timeMs: timeMs) else { return }
        // Snapshots and summary are made only now: most calls are held back by the cooldown.
        let snapshots = snapshots()
        func unique(_ values: [String?]) -> [String] { Array(Set(values.compactMap { $0 })).sorted() }
        out.append(Activation(
            id: "\(scenario.id)/\(key)/\(timeMs)", scenarioID: scenario.id, title: scenario.title, domain: scenario.domain,
            severity: scenario.severity, timeMs: timeMs, key: key, districts: unique(snapshots.map(\.district)),
            cameras: unique(snapshots.map(\.cameraID)), reaches: unique(snapshots.map(\.reach)), roads: unique(snapshots.map(\.road)),
            events: snapshots.map(\.reference), summary: summary()))
    }
}
