import Shared

/// Which inputs a rule step considers: a conjunction of optional tests. Lists mean "any of".
///
/// ```yaml
/// match:
///   kind: [water_level]
///   phase: [start, update]      # default: start and update (an `end` closes a lifecycle)
///   min_severity: high
///   district: [riverside]
///   where: {level_cm: {gte: 250}}
/// ```
struct EventFilter: Decodable, Sendable, Hashable {
    /// Events from agents, or incidents from fusion.
    enum Source: String, Decodable, Sendable, Hashable { case event, incident }

    var source: Source = .event
    var kinds: Set<EventKind>? { didSet { kindList = Self.list(kinds) } }
    var domains: Set<EventKindDescriptor.Domain>?
    var phases: Set<EventPhase> = [.start, .update] { didSet { phaseMask = Self.mask(phases) } }
    /// `kinds` and `phases` as `matches` tests them, per input and rule: a short list compared in
    /// order and a bit set, where hashing into the sets was most of a match's cost (perf). Both
    /// follow from the sets alone (the list sorted), so equal filters stay equal.
    private var kindList: [EventKind]?
    private var phaseMask = EventFilter.mask([.start, .update])
    var minSeverity: Severity?
    var minConfidence: Double?
    var districts: Set<String>?
    var zones: Set<String>?
    var cameras: Set<String>?
    var reaches: Set<String>?
    var roads: Set<String>?
    var sites: Set<String>?
    var conditions: [AttributeCondition] = []

    enum CodingKeys: String, CodingKey {
        case source, kind, domain, phase, minSeverity = "min_severity", minConfidence = "min_confidence", district, zone,
            camera, reach, road, site, conditions = "where"
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        source = try c.decode(.source, default: .event)
        kinds = try Self.set(c, .kind)
        kindList = Self.list(kinds)
        domains = try Self.set(c, .domain)
        phases = try Self.set(c, .phase) ?? [.start, .update]
        phaseMask = Self.mask(phases)
        minSeverity = try c.decodeIfPresent(Severity.self, forKey: .minSeverity)
        minConfidence = try c.decodeIfPresent(Double.self, forKey: .minConfidence)
        if let m = minConfidence, !(0...1).contains(m) {
            throw DecodingError.dataCorruptedError(forKey: .minConfidence, in: c, debugDescription: "min_confidence must be within 0...1")
        }
        districts = try Self.set(c, .district)
        zones = try Self.set(c, .zone)
        cameras = try Self.set(c, .camera)
        reaches = try Self.set(c, .reach)
        roads = try Self.set(c, .road)
        sites = try Self.set(c, .site)
        let specs = try c.decode(.conditions, default: [String: AttributeCondition.Spec]())
        conditions = specs.keys.sorted().map { AttributeCondition(key: $0, spec: specs[$0]!) }
        if let city = ScenarioLoader.city {
            for (key, names, known) in [
                ("district", districts, city.districtsByID.keys.contains), ("camera", cameras, city.camerasByID.keys.contains),
                ("reach", reaches, city.reaches.byID.keys.contains), ("road", roads, city.roads.byID.keys.contains),
            ] as [(String, Set<String>?, (String) -> Bool)] {
                if let unknown = names?.sorted().first(where: { !known($0) }) {
                    throw ConfigValueError("unknown \(key) '\(unknown)' (not in the city model)", at: key)
                }
            }
        }
        for (key, set) in [("kind", kinds?.count), ("domain", domains?.count), ("phase", phases.count)] where set == 0 {
            throw ConfigValueError("an empty list matches nothing; leave the key out to match any", at: key)
        }
    }

    private static func set<T: Decodable & Hashable & Sendable>(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Set<T>? {
        try c.decodeIfPresent(OneOrMany<T>.self, forKey: key).map { Set($0.values) }
    }

    func matches(_ input: ScenarioInput) -> Bool {
        // `input.event` in place: a local copy retained and released the whole event per rule.
        guard input.source == source, phaseMask & Self.bit(input.event.phase) != 0 else { return false }
        if let kindList, !kindList.contains(input.event.kind) { return false }
        if let domains {
            guard let domain = input.domain, domains.contains(domain) else { return false }
        }
        if let minSeverity, input.event.severity < minSeverity { return false }
        if let minConfidence, input.event.confidence.value < minConfidence { return false }
        if let districts, !districts.contains(input.district) { return false }
        if let zones { guard let zone = input.event.zone, zones.contains(zone) else { return false } }
        if let cameras, !cameras.contains(input.event.cameraID) { return false }
        if let reaches { guard let reach = input.reach, reaches.contains(reach) else { return false } }
        if let roads { guard let road = input.road, roads.contains(road) else { return false } }
        if let sites { guard let site = input.site, sites.contains(site) else { return false } }
        for condition in conditions where !condition.holds(for: input.event.attributes) { return false }
        return true
    }

    private static func bit(_ phase: EventPhase) -> UInt8 {
        switch phase {
        case .start: 1
        case .update: 2
        case .end: 4
        }
    }

    private static func list(_ kinds: Set<EventKind>?) -> [EventKind]? { kinds.map { $0.sorted { $0.rawValue < $1.rawValue } } }

    private static func mask(_ phases: Set<EventPhase>) -> UInt8 { phases.reduce(0) { $0 | bit($1) } }
}
