import Shared

/// What the engine keeps of an input inside windows and pending steps: enough to group,
/// correlate and build an activation, nothing more.
struct InputSnapshot: Sendable, Hashable {
    var reference: EventReference
    var timeMs: Int64
    var kind: EventKind
    var cameraID: String
    var trackID: UInt64
    var zone: String?
    var district: String
    var reach: String?
    var road: String?
    var site: String?

    init(_ input: ScenarioInput) {
        reference = input.reference
        timeMs = input.timeMs
        kind = input.event.kind
        cameraID = input.event.cameraID
        trackID = input.event.trackID
        zone = input.event.zone
        district = input.district
        reach = input.reach
        road = input.road
        site = input.site
    }
}
