import Shared

/// One event (or incident update) as the scenario engine sees it: the event with what the city
/// model knows about its camera, resolved once at ingest.
///
/// An immutable object, not a struct: the pipeline hands one input to fusion and to every rule
/// that looks at it, and windows and pending steps keep it (as `InputSnapshot`). A struct of eight
/// strings, an event and its attributes was copied on the way (a retain and a release per field)
/// and copied again into a snapshot object per input: together about a tenth of fusion + library
/// in a `perf` profile of `bench scenarios`. A reference is one retain. What a window holds
/// is this object, attributes included.
final class ScenarioInput: Sendable {
    let agentID: String
    let event: Event
    let source: EventFilter.Source
    let district: String
    let reach: String?
    let road: String?
    let site: String?
    /// The camera's position in the city model's `cameras` (-1: not known), found with the rest
    /// at ingest: fusion numbers cameras by it instead of hashing the id again (perf). A hint,
    /// checked against the id where it is used.
    let cameraIndex: Int

    convenience init(agentID: String, event: Event, source: EventFilter.Source = .event, district: String? = nil, city: CityModel) {
        let index = city.cameraIndexByID[event.cameraID]
        let camera = index.map { city.cameras[$0] }
        self.init(
            agentID: agentID, event: event, source: source, district: district ?? camera?.district ?? "", reach: camera?.reach,
            road: camera?.road, site: camera?.site, cameraIndex: index ?? -1)
    }

    /// A stored event as it was evaluated live (replays, backtests): its district as stored, the
    /// camera's reach, road and site from the city model.
    convenience init(stored: StoredEvent, city: CityModel) {
        self.init(agentID: stored.agentID, event: stored.event, district: stored.district, city: city)
    }

    init(
        agentID: String, event: Event, source: EventFilter.Source = .event, district: String, reach: String? = nil,
        road: String? = nil, site: String? = nil, cameraIndex: Int = -1
    ) {
        self.agentID = agentID
        self.event = event
        self.source = source
        self.district = district
        self.reach = reach
        self.road = road
        self.site = site
        self.cameraIndex = cameraIndex
    }

    /// The kind's registry domain: looked up only by filters that name a domain, not per event.
    var domain: EventKindDescriptor.Domain? { EventKindRegistry.standard.descriptor(of: event.kind)?.domain }

    var timeMs: Int64 { event.captureTimeMs }
    var reference: EventReference { EventReference(agentID: agentID, eventID: event.id) }
    var kind: EventKind { event.kind }
    var cameraID: String { event.cameraID }
    var trackID: UInt64 { event.trackID }
    var zone: String? { event.zone }
}

/// The global key of a stored event.
struct EventReference: Sendable, Hashable, Codable, Comparable {
    var agentID: String
    var eventID: UInt64

    static func < (a: EventReference, b: EventReference) -> Bool {
        (a.agentID, a.eventID) < (b.agentID, b.eventID)
    }
}
