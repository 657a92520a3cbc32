@testable import EdgeAgent
import Shared
import Testing

/// Every analytic against a synthetic scene with known truth: it fires when it should, within a
/// stated delay, and nothing else fires.
@Suite struct SceneAnalyticsTests {
    @Test func walkers_crossTheLineBothWays_andAreEachAnIntrusion() {
        let run = SceneRun("walkers")
        let crossings = run.starts(.lineCrossing)
        #expect(crossings.count == 2, "crossings: \(crossings.map { $0.attributes["direction"] as Any })")
        #expect(Set(crossings.compactMap { $0.attributes["direction"] }) == [.string("in"), .string("out")])
        #expect(run.starts(.intrusion).count == 3)
        #expect(run.kindsStarted.isSubset(of: [.lineCrossing, .intrusion]))
    }

    @Test func loiterer_isReportedAfterTheDwellTime() throws {
        let run = SceneRun("loiter")
        let loitering = try #require(run.starts(.loitering).first)
        // Enters the zone at ~2.8 s; dwell 20 s.
        #expect(run.seconds(loitering) >= 22 && run.seconds(loitering) <= 26, "at \(run.seconds(loitering)) s")
        #expect(run.starts(.loitering).count == 1)
    }

    @Test func parkedVehicle_isReportedAfterItsStoppedTime() throws {
        let run = SceneRun("parking")
        let stopped = try #require(run.starts(.stoppedVehicle).first)
        // Stops at 6 s; after 15 s stationary.
        #expect(run.seconds(stopped) >= 21 && run.seconds(stopped) <= 26, "at \(run.seconds(stopped)) s")
        #expect(stopped.attributes["object_class"] == .string("vehicle"))
    }

    @Test func gathering_isACrowd() throws {
        let run = SceneRun("crowd")
        let crowd = try #require(run.starts(.crowd).first)
        if case .int(let count)? = crowd.attributes["count"] { #expect(count >= 8) } else { Issue.record("no count") }
        #expect(run.starts(.crowd).count == 1)
    }

    @Test func leftBag_isAbandoned_notRemoved() throws {
        let run = SceneRun("bag")
        let abandoned = try #require(run.starts(.abandonedObject).first)
        #expect(run.seconds(abandoned) >= 16 && run.seconds(abandoned) <= 24, "at \(run.seconds(abandoned)) s")
        #expect(run.starts(.objectRemoved).isEmpty)
    }

    @Test func takenObject_isRemoved_notAbandoned() throws {
        let run = SceneRun("removed")
        let removed = try #require(run.starts(.objectRemoved).first)
        #expect(run.seconds(removed) >= 16 && run.seconds(removed) <= 26, "at \(run.seconds(removed)) s")
        #expect(run.starts(.abandonedObject).isEmpty)
    }

    @Test func runner_isFast_walkerIsNot() {
        let run = SceneRun("runner")
        let fast = run.starts(.fastMotion)
        #expect(fast.count == 1)
        #expect(fast.first.map { run.seconds($0) >= 6 && run.seconds($0) <= 9 } == true)
    }

    @Test func vehicleAgainstTheFlow_isWrongWay() {
        let run = SceneRun("wrongway")
        let wrong = run.starts(.wrongWay)
        #expect(wrong.count == 1)
        #expect(wrong.first.map { run.seconds($0) >= 11 } == true)
    }

    @Test(arguments: [("covered", EventKind.tamperCovered), ("defocus", .tamperDefocus), ("moved", .tamperMoved)])
    func tamper_isReportedWithinFourSeconds(scene: String, kind: EventKind) throws {
        let run = SceneRun(scene)
        let event = try #require(run.starts(kind).first)
        #expect(run.seconds(event) >= 10 && run.seconds(event) <= 14, "at \(run.seconds(event)) s")
        #expect(run.kindsStarted == [kind], "also started: \(run.kindsStarted)")
    }

    @Test(arguments: ["lightswitch", "noise", "foliage", "rain", "empty"])
    func negatives_raiseNothing(scene: String) {
        let run = SceneRun(scene)
        #expect(run.events.isEmpty, "\(scene): \(run.events.map { "\($0.kind)@\(run.seconds($0))" })")
    }

    @Test func risingWater_crossesTheThreshold_withTheRightLevel() throws {
        let run = SceneRun("water")
        let alarm = try #require(run.starts(.waterLevel).first)
        // Truth: 200 cm at 40 s; the median smooths a few readings.
        #expect(run.seconds(alarm) >= 38 && run.seconds(alarm) <= 44, "at \(run.seconds(alarm)) s")
        if case .double(let level)? = alarm.attributes["water_level_cm"] {
            #expect(level >= 195 && level <= 215, "level \(level)")
        } else {
            Issue.record("no level")
        }
        if case .double(let rate)? = alarm.attributes["rise_rate_cm_per_min"] {
            // Truth: 225 cm over 60 s = 225 cm/min.
            #expect(rate > 150 && rate < 300, "rate \(rate)")
        } else {
            Issue.record("no rise rate")
        }
    }

    @Test func plume_isSmoke() {
        let run = SceneRun("smoke")
        #expect(!run.starts(.smoke).isEmpty)
        #expect(run.starts(.fire).isEmpty)
    }

    @Test func flames_areFire() {
        let run = SceneRun("fire")
        #expect(!run.starts(.fire).isEmpty)
    }

    @Test func everyLifecycle_endsOnce_andUpdatesStayInside() {
        for name in ["walkers", "loiter", "crowd", "water"] {
            let run = SceneRun(name)
            var open: Set<UInt64> = []
            for event in run.events {
                switch event.phase {
                case .start: if event.kind != .lineCrossing { open.insert(event.lifecycleID) }
                case .update: #expect(open.contains(event.lifecycleID), "\(name): update outside its lifecycle")
                case .end: #expect(open.remove(event.lifecycleID) != nil, "\(name): end without start")
                }
            }
            #expect(open.isEmpty, "\(name): lifecycles left open")
            #expect(zip(run.events, run.events.dropFirst()).allSatisfy { $0.id < $1.id })
        }
    }
}
