@testable import Aggregator
import Shared
import Testing

/// Fusion without I/O, on the scenario test city: a1 and a2 are 300 m apart, b1 2.2 km from them.
@Suite struct IncidentFuserTests {
    typealias T = ScenarioTestCity

    func fuse(_ inputs: [ScenarioInput], settings: FusionSettings = FusionSettings(), latenessMs: Int64 = 0) -> (IncidentFuser, [IncidentUpdate]) {
        let fuser = IncidentFuser(settings: settings, city: T.city, latenessMs: latenessMs)
        var updates: [IncidentUpdate] = []
        for input in inputs { fuser.fuse(input, into: &updates) }
        return (fuser, updates)
    }

    @Test func nearbyCompatibleEvents_makeOneIncident_farOnesAnother() {
        let (fuser, updates) = fuse([
            T.input(0, "a1", "smoke"), T.input(30, "a2", "fire"),  // 300 m apart: one fire incident
            T.input(40, "b1", "fire"),  // 2.2 km away: another
            T.input(50, "a1", "crowd"),  // another type
        ])
        var all = updates
        fuser.finish(into: &all)
        let resolved = all.filter { $0.change == .resolved }.map(\.incident)
        #expect(resolved.count == 3)
        let fire = resolved.first { $0.cameras == ["a1", "a2"] }
        #expect(fire?.type == "fire")
        #expect(fire?.eventCount == 2)
        #expect(fire?.severity == .critical, "the fire event's severity")
        #expect(resolved.contains { $0.cameras == ["b1"] && $0.type == "fire" })
        #expect(resolved.contains { $0.type == "crowd" })
    }

    @Test func aTrack_isLinkedAcrossCameras_onlyAtAPlausibleSpeed() {
        var settings = FusionSettings()
        settings.linkDistanceMetres = 3_000
        settings.distanceMetres = 100
        // a1 → b1 is 2.2 km: 60 s is 37 m/s (plausible at 40 m/s), 10 s is 220 m/s (not).
        let (plausible, _) = fuse([T.input(0, "a1", "intrusion", track: 5), T.input(60, "b1", "intrusion", track: 9)], settings: settings)
        var out: [IncidentUpdate] = []
        plausible.finish(into: &out)
        #expect(out.map(\.incident.tracks) == [["a1#5", "b1#9"]])
        let (tooFast, _) = fuse([T.input(0, "a1", "intrusion", track: 5), T.input(10, "b1", "intrusion", track: 9)], settings: settings)
        out = []
        tooFast.finish(into: &out)
        #expect(out.count == 2)
    }

    @Test func quietIncidents_resolve_andLateEventsAreCountedNotFused() {
        var settings = FusionSettings()
        settings.quietSeconds = 60
        let (fuser, _) = fuse([T.input(0, "a1", "fire"), T.input(100, "b1", "fire")], settings: settings, latenessMs: 10_000)
        var out: [IncidentUpdate] = []
        // Watermark 90 s: a1's incident (last 0 s) has been quiet for 90 s > 60 s.
        #expect(fuser.openCount == 1)
        fuser.fuse(T.input(50, "a2", "fire"), into: &out)  // 50 s behind the newest (100 s), beyond 10 s: late
        #expect(fuser.late == 1)
        fuser.advance(wallClockMs: T.input(1000, "a1", "fire").timeMs, into: &out)
        #expect(fuser.openCount == 0)
        let dirty = fuser.takeDirty()
        #expect(dirty.count == 2 && dirty.allSatisfy { $0.status == .resolved })
    }

    /// Escalation finds an event's incident on the timelines of the open incidents on the given
    /// cameras (there is no event → incident map): only the incident holding the event rises,
    /// once, and one whose cameras were not named is not searched.
    @Test func escalate_raisesOnlyTheIncidentHoldingTheEvent() {
        let nearFire = T.input(0, "a1", "fire", severity: .high), farFire = T.input(20, "b1", "fire", severity: .high)
        let (fuser, _) = fuse([nearFire, T.input(10, "a2", "fire", severity: .high), farFire])
        #expect(fuser.openCount == 2)
        var out: [IncidentUpdate] = []
        fuser.escalate(events: [farFire.reference], cameras: ["a1"], to: .critical, into: &out)
        #expect(out.isEmpty, "b1's incident is not on a1")
        fuser.escalate(events: [nearFire.reference], cameras: ["a1", "b1"], to: .critical, into: &out)
        #expect(out.map(\.change) == [.escalated])
        #expect(out.first?.incident.cameras == ["a1", "a2"])
        #expect(out.first?.incident.severity == .critical)
        out = []
        fuser.escalate(events: [nearFire.reference], cameras: ["a1"], to: .critical, into: &out)
        #expect(out.isEmpty, "already critical")
        fuser.escalate(events: [farFire.reference, nearFire.reference], cameras: ["b1", "a1"], to: .critical, into: &out)
        #expect(out.map(\.incident.cameras) == [["b1"]])
    }

    @Test func pipeline_escalatesIncidents_andRulesSeeIncidents() throws {
        let escalating = try T.scenario("match: {kind: fire}\ncount: {window: 5m, at_least: 2}\nactions:\n  - escalate: critical")
        var onIncident = try T.scenario("match: {source: incident, kind: crowd, where: {cameras: {gte: 2}}}")
        onIncident.id = "t.incident"
        let pipeline = ScenarioPipeline(scenarios: [escalating, onIncident], fusion: FusionSettings(), city: T.city, latenessMs: 0)
        var out = ScenarioPipeline.Output()
        pipeline.process([
            T.input(0, "a1", "crowd", severity: .medium), T.input(10, "a2", "crowd", severity: .medium),
            T.input(20, "a1", "fire", severity: .high), T.input(30, "a2", "fire", severity: .high),
        ], into: &out)
        #expect(out.activations.map(\.scenarioID).sorted() == ["t.incident", "t.rule"])
        let escalated = out.incidents.filter { $0.change == .escalated }.map(\.incident)
        #expect(escalated.map(\.type) == ["fire"])
        #expect(escalated.first?.severity == .critical)
    }

    @Test func aRuleOnIncidents_escalatesThemAndCoversAllTheirCameras() throws {
        var rule = try T.scenario("match: {source: incident, kind: fire, where: {cameras: {gte: 2}}}\nactions:\n  - escalate: critical")
        rule.id = "t.two-camera-fire"
        let pipeline = ScenarioPipeline(scenarios: [rule], fusion: FusionSettings(), city: T.city, latenessMs: 0)
        var out = ScenarioPipeline.Output()
        pipeline.process([T.input(0, "a1", "smoke", severity: .medium), T.input(10, "a2", "smoke", severity: .medium)], into: &out)
        #expect(out.activations.count == 1)
        #expect(out.activations.first?.cameras == ["a1", "a2"])
        #expect(out.incidents.contains { $0.change == .escalated && $0.incident.severity == .critical })
    }
}

/// What numbering cameras and types must not change: tracks bounded like the timeline, cameras the
/// city model does not know (stored events of a camera since removed), and types first seen after
/// such a camera.
@Suite struct IncidentFuserNumberingTests {
    typealias T = ScenarioTestCity

    @Test func tracks_areBounded_oldestDropped_andADroppedTrackNoLongerJoins() {
        var settings = FusionSettings()
        settings.timelineLimit = 2
        settings.distanceMetres = 0  // only tracks and the same camera join
        settings.windowSeconds = 1
        let fuser = IncidentFuser(settings: settings, city: T.city, latenessMs: 0)
        var out: [IncidentUpdate] = []
        // Tracks 1, 2, 3 on a1 within a second of each other: one incident, the first track dropped.
        for (i, track) in [1, 2, 3].enumerated() { fuser.fuse(T.input(Double(i) * 0.4, "a1", "intrusion", track: UInt64(track)), into: &out) }
        #expect(fuser.openCount == 1)
        #expect(fuser.takeDirty().map(\.tracks) == [["a1#2", "a1#3"]])
        // Later than the window: track 3 still joins by its track, track 1 (dropped) opens another.
        fuser.fuse(T.input(10, "a1", "intrusion", track: 3), into: &out)
        #expect(fuser.openCount == 1)
        fuser.fuse(T.input(20, "a1", "intrusion", track: 1), into: &out)
        #expect(fuser.openCount == 2)
    }

    @Test func unknownCameras_fuseOnTheirOwn_alsoForTypesSeenLater() {
        let fuser = IncidentFuser(settings: FusionSettings(), city: T.city, latenessMs: 0)
        var out: [IncidentUpdate] = []
        func gone(_ seconds: Double, _ camera: String, _ kind: EventKind, id: UInt64) -> ScenarioInput {
            ScenarioInput(
                agentID: "agent-old", event: Event(id: id, cameraID: camera, kind: kind, captureTimeMs: 1_000_000_000_000 + Int64(seconds * 1000)),
                city: T.city)
        }
        fuser.fuse(gone(0, "removed-1", .smoke, id: 1), into: &out)
        fuser.fuse(gone(1, "removed-1", .fire, id: 2), into: &out)  // smoke and fire are one type
        fuser.fuse(gone(2, "removed-2", .fire, id: 3), into: &out)  // another unknown camera: not near
        fuser.fuse(gone(3, "removed-2", .crowd, id: 4), into: &out)  // a type first seen now
        fuser.fuse(T.input(4, "a1", "crowd"), into: &out)  // a known camera after them
        #expect(fuser.openCount == 4)
        fuser.finish(into: &out)
        let resolved = out.filter { $0.change == .resolved }.map(\.incident)
        #expect(Set(resolved.map(\.cameras)) == [["removed-1"], ["removed-2"], ["a1"]])
        #expect(resolved.first { $0.cameras == ["removed-1"] }?.eventCount == 2)
    }
}
