import Shared

/// One event (or incident update) as the scenario engine sees it: the event with what the city
/// model knows about its camera, resolved once at ingest.
struct ScenarioInput: Sendable, Hashable {
    var agentID: String
    var event: Event
    var source: EventFilter.Source
    var district: String
    var reach: String?
    var road: String?
    var site: String?
    /// The camera's position in the city model's `cameras` (-1: not in it), found with the rest
    /// at ingest: fusion numbers cameras by it instead of hashing the id again (perf). A hint,
    /// checked against the id where it is used.
    var cameraIndex = -1

    init(agentID: String, event: Event, source: EventFilter.Source = .event, city: CityModel) {
        let index = city.cameraIndexByID[event.cameraID]
        let camera = index.map { city.cameras[$0] }
        self.init(
            agentID: agentID, event: event, source: source, district: camera?.district ?? "", reach: camera?.reach,
            road: camera?.road, site: camera?.site)
        cameraIndex = index ?? -1
    }

    /// A stored event as it was evaluated live (replays, backtests): its district as stored, the
    /// camera's reach, road and site from the city model.
    init(stored: StoredEvent, city: CityModel) {
        let index = city.cameraIndexByID[stored.event.cameraID]
        let camera = index.map { city.cameras[$0] }
        self.init(
            agentID: stored.agentID, event: stored.event, district: stored.district, reach: camera?.reach, road: camera?.road,
            site: camera?.site)
        cameraIndex = index ?? -1
    }

    init(
        agentID: String, event: Event, source: EventFilter.Source = .event, district: String, reach: String? = nil,
        road: String? = nil, site: String? = nil
    ) {
        self.agentID = agentID
        self.event = event
        self.source = source
        self.district = district
        self.reach = reach
        self.road = road
        self.site = site
    }

    /// The kind's registry domain: looked up only by filters that name a domain, not per event.
    var domain: EventKindDescriptor.Domain? { EventKindRegistry.standard.descriptor(of: event.kind)?.domain }

    var timeMs: Int64 { event.captureTimeMs }
    var reference: EventReference { EventReference(agentID: agentID, eventID: event.id) }
}

/// The global key of a stored event.
struct EventReference: Sendable, Hashable, Codable, Comparable {
    var agentID: String
    var eventID: UInt64

    static func < (a: EventReference, b: EventReference) -> Bool {
        (a.agentID, a.eventID) < (b.agentID, b.eventID)
    }
}
