@testable import EdgeAgent
import Shared
import Testing

@Suite struct EventLifecyclesTests {
    @Test func condition_startsUpdatesOnHeartbeatAndEnds() {
        var lifecycles = EventLifecycles(cameraID: "c", ids: EventIDAllocator(), configuration: .init(heartbeatMs: 10_000, minUpdateIntervalMs: 2_000))
        let key = LifecycleKey(kind: .crowd, zone: "plaza")
        var events: [Event] = []
        for t in stride(from: Int64(0), through: 25_000, by: 1_000) {
            lifecycles.observe(key, active: t < 22_000, draft: EventDraft(kind: .crowd, zone: "plaza"), timeMs: t, into: &events)
        }
        #expect(events.map(\.phase) == [.start, .update, .update, .end])
        #expect(events.map(\.captureTimeMs) == [0, 10_000, 20_000, 22_000])
        #expect(Set(events.map(\.lifecycleID)) == [events[0].id])
        #expect(events.allSatisfy { $0.zone == "plaza" && $0.cameraID == "c" })
    }

    @Test func significantChanges_updateAtMostEveryMinimumInterval() {
        var lifecycles = EventLifecycles(cameraID: "c", ids: EventIDAllocator(), configuration: .init(heartbeatMs: 60_000, minUpdateIntervalMs: 2_000))
        let key = LifecycleKey(kind: .waterLevel)
        var events: [Event] = []
        for t in stride(from: Int64(0), through: 5_000, by: 500) {
            lifecycles.observe(key, active: true, draft: EventDraft(kind: .waterLevel), significant: true, timeMs: t, into: &events)
        }
        #expect(events.map(\.captureTimeMs) == [0, 2_000, 4_000])
    }

    @Test func severityOverrides_apply() {
        var lifecycles = EventLifecycles(cameraID: "c", ids: EventIDAllocator(), configuration: .init(severities: [.intrusion: .critical]))
        var events: [Event] = []
        lifecycles.momentary(EventDraft(kind: .intrusion), timeMs: 1, into: &events)
        lifecycles.momentary(EventDraft(kind: .loitering), timeMs: 1, into: &events)
        #expect(events.map(\.severity) == [.critical, .medium])
    }

    @Test func idsIncreaseAcrossCameras() {
        let ids = EventIDAllocator()
        var a = EventLifecycles(cameraID: "a", ids: ids), b = EventLifecycles(cameraID: "b", ids: ids)
        var events: [Event] = []
        for t in 0..<5 {
            a.momentary(EventDraft(kind: .motion), timeMs: Int64(t), into: &events)
            b.momentary(EventDraft(kind: .motion), timeMs: Int64(t), into: &events)
        }
        #expect(events.map(\.id) == Array(1...10))
    }
}
