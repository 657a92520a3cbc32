import Shared

/// What the engine keeps of an input inside windows and pending steps: enough to group,
/// correlate and build an activation, nothing more.
///
/// An immutable object, not a struct: one input lands in the windows of many rules, and copying a
/// struct of eight strings retained and released each of them per copy (about a sixteenth of
/// fusion + library in a `perf` profile of `bench scenarios`); a reference is one retain.
final class InputSnapshot: Sendable {
    let reference: EventReference
    let timeMs: Int64
    let kind: EventKind
    let cameraID: String
    let trackID: UInt64
    let zone: String?
    let district: String
    let reach: String?
    let road: String?
    let site: String?

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
