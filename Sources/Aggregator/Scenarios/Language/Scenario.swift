import Shared

/// One declarative rule from a scenario file (grammar: docs/SCENARIOS.md).
struct Scenario: Decodable, Sendable, Hashable {
    /// The edge capability a scenario's input comes from (SCENARIO-TAXONOMY.md's marks).
    enum Feed: String, Decodable, Sendable, Hashable {
        /// Classical vision on the edge (motion, blobs, tracking, colour, stream health).
        case classical = "C"
        /// A classical trigger confirmed by a trained detector.
        case confirmed = "C+D"
        /// Needs a trained detector class the edge reports as its own event kind.
        case detector = "D"
    }

    var id: String
    var title: String
    var domain: EventKindDescriptor.Domain
    var description: String
    var feeds: Feed
    /// Which edge analytic or detector produces the events the rule matches.
    var edge: String
    /// Numbers in SCENARIO-TAXONOMY.md this rule covers.
    var taxonomy: [Int]
    var severity: Severity
    var enabled: Bool
    var match: EventFilter
    var pattern: ScenarioPattern
    /// After firing for a dedup key, stay quiet for this long (event time).
    var cooldown: ScenarioDuration
    var dedup: GroupKey
    var actions: [ScenarioAction]

    /// Lower-case letters, digits, `.`, `_` and `-`, starting with a letter or digit, at most 80.
    static func isValidID(_ id: String) -> Bool {
        guard let first = id.utf8.first, id.utf8.count <= 80 else { return false }
        func ok(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) }
        return ok(first) && id.utf8.allSatisfy { ok($0) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D }
    }

    enum CodingKeys: String, CodingKey {
        case id, title, domain, description, feeds, edge, taxonomy, severity, enabled, match, count, sequence, absence, rate,
            cooldown, dedup, actions
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        guard Self.isValidID(id) else {
            throw DecodingError.dataCorruptedError(
                forKey: .id, in: c, debugDescription: "'\(id)' is not a scenario id: lower-case letters, digits, '.', '_' and '-', at most 80")
        }
        title = try c.decode(String.self, forKey: .title)
        domain = try c.decode(EventKindDescriptor.Domain.self, forKey: .domain)
        description = try c.decode(.description, default: "")
        feeds = try c.decode(.feeds, default: .classical)
        edge = try c.decode(.edge, default: "")
        taxonomy = try c.decode(.taxonomy, default: [])
        severity = try c.decode(Severity.self, forKey: .severity)
        enabled = try c.decode(.enabled, default: true)
        match = try c.decode(EventFilter.self, forKey: .match)
        let present = [CodingKeys.count, .sequence, .absence, .rate].filter { c.contains($0) }
        guard present.count <= 1 else {
            throw DecodingError.dataCorruptedError(
                forKey: present[1], in: c, debugDescription: "a scenario has at most one of count, sequence, absence, rate")
        }
        switch present.first {
        case .count: pattern = .count(try c.decode(CountPattern.self, forKey: .count))
        case .sequence:
            let s = try c.decode(StepSpec.self, forKey: .sequence)
            pattern = .sequence(SequencePattern(then: s.filter, within: s.within, correlate: s.correlate, otherDistrict: s.otherDistrict))
        case .absence:
            let s = try c.decode(StepSpec.self, forKey: .absence)
            pattern = .absence(AbsencePattern(expect: s.filter, within: s.within, correlate: s.correlate))
        case .rate: pattern = .rate(try c.decode(RatePattern.self, forKey: .rate))
        default: pattern = .single
        }
        cooldown = try c.decode(.cooldown, default: ScenarioDuration(milliseconds: 5 * 60_000))
        dedup = try c.decode(.dedup, default: .city)
        actions = try c.decode(.actions, default: [])
    }
}
