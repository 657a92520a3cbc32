import Shared

extension IncidentUpdate {
    /// The agent id incident inputs carry (scenarios see incidents as inputs with `source: incident`).
    static let fusionAgent = "fusion"

    /// The update as a scenario input: kind = incident type, phase start (opened), update
    /// (updated, escalated) or end (resolved), at the incident's latest time, with attributes
    /// `events`, `cameras`, `districts` (counts) and `incident_id`. An incident changes when an
    /// event arrives or time passes, so its time is never before `notBeforeMs` (the engine's
    /// watermark): a change is news, never a late input.
    func scenarioInput(sequence: UInt64, city: CityModel, notBeforeMs: Int64) -> ScenarioInput {
        let i = incident
        let phase: EventPhase = switch change {
        case .opened: .start
        case .updated, .escalated: .update
        case .resolved: .end
        }
        let event = Event(
            id: sequence, cameraID: i.cameras.first ?? "", kind: EventKind(i.type), phase: phase,
            captureTimeMs: max(change == .resolved ? (i.resolvedMs ?? i.lastMs) : i.lastMs, notBeforeMs), severity: i.severity,
            attributes: [
                "events": .int(Int64(i.eventCount)), "cameras": .int(Int64(i.cameras.count)),
                "districts": .int(Int64(i.districts.count)), "incident_id": .string(i.id),
            ])
        return ScenarioInput(agentID: Self.fusionAgent, event: event, source: .incident, district: i.districts.first, city: city)
    }
}
