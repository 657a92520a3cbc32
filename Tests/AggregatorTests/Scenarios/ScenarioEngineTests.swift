@testable import Aggregator
import Shared
import Testing

/// The engine's patterns, correlations, cooldowns, lateness and state bounds, without I/O.
@Suite struct ScenarioEngineTests {
    typealias T = ScenarioTestCity

    @Test func count_firesWhenTheWindowHoldsEnough_andForgetsWhatSlidOut() throws {
        let rule = try T.scenario("match: {kind: intrusion}\ncount: {window: 10m, at_least: 3}\ncooldown: 1s")
        // 0, 6, 12 min: never three within 10 minutes.
        #expect(T.run([rule], [T.input(0, "a1", "intrusion"), T.input(360, "a1", "intrusion"), T.input(720, "a1", "intrusion")]).isEmpty)
        // 0, 5, 9 min: three within 10 minutes.
        let fired = T.run([rule], [T.input(0, "a1", "intrusion"), T.input(300, "a1", "intrusion"), T.input(540, "a1", "intrusion")])
        #expect(fired.count == 1)
        #expect(fired.first?.events.count == 3)
    }

    @Test func count_distinctCameras_perDistrict() throws {
        let rule = try T.scenario("match: {kind: crowd}\ncount: {window: 5m, at_least: 2, distinct: cameras, group_by: district}")
        // The same camera twice is one camera; a1 + b1 are two districts (two groups of one).
        #expect(T.run([rule], [T.input(0, "a1", "crowd"), T.input(10, "a1", "crowd"), T.input(20, "b1", "crowd")]).isEmpty)
        let fired = T.run([rule], [T.input(0, "a1", "crowd"), T.input(10, "a2", "crowd")])
        #expect(fired.map(\.districts) == [["a"]])
        #expect(fired.first?.cameras == ["a1", "a2"])
    }

    @Test func sequence_downstream_acrossDistricts_butNotUpstream_norLate() throws {
        let rule = try T.scenario("""
            match: {kind: water_level}
            sequence: {then: {kind: water_level}, within: 30m, correlate: downstream, other_district: true}
            """)
        #expect(T.run([rule], [T.input(0, "ax", "water_level"), T.input(600, "cx", "water_level")]).map(\.districts) == [["a", "c"]])
        #expect(T.run([rule], [T.input(0, "cx", "water_level"), T.input(600, "ax", "water_level")]).isEmpty, "upstream")
        #expect(T.run([rule], [T.input(0, "ax", "water_level"), T.input(1900, "bx", "water_level")]).isEmpty, "after 30 min")
    }

    @Test func sequence_adjacentDistrict_isNotTheSameOrAFartherOne() throws {
        let rule = try T.scenario("match: {kind: crowd}\nsequence: {then: {kind: crowd}, within: 15m, correlate: adjacent_district}")
        #expect(T.run([rule], [T.input(0, "a1", "crowd"), T.input(60, "b1", "crowd")]).count == 1)
        #expect(T.run([rule], [T.input(0, "a1", "crowd"), T.input(60, "a2", "crowd")]).isEmpty, "same district")
        #expect(T.run([rule], [T.input(0, "a1", "crowd"), T.input(60, "c1", "crowd")]).isEmpty, "a and c do not border")
    }

    @Test func sequence_withinDistance_usesCameraPositions() throws {
        let near = try T.scenario("match: {kind: smoke}\nsequence: {then: {kind: fire}, within: 5m, correlate: within_distance, distance_m: 500}")
        #expect(T.run([near], [T.input(0, "a1", "smoke"), T.input(30, "a2", "fire")]).count == 1, "300 m apart")
        #expect(T.run([near], [T.input(0, "a1", "smoke"), T.input(30, "b1", "fire")]).isEmpty, "2.2 km apart")
        #expect(T.run([near], [T.input(0, "a1", "smoke"), T.input(30, "c1", "fire")]).isEmpty, "no position")
    }

    @Test func sequence_sameTrack_needsTheSameTrackOnTheSameCamera() throws {
        let rule = try T.scenario("match: {kind: loitering}\nsequence: {then: {kind: intrusion}, within: 2m, correlate: same_track}")
        #expect(T.run([rule], [T.input(0, "a1", "loitering", track: 7), T.input(30, "a1", "intrusion", track: 7)]).count == 1)
        #expect(T.run([rule], [T.input(0, "a1", "loitering", track: 7), T.input(30, "a1", "intrusion", track: 8)]).isEmpty)
        #expect(T.run([rule], [T.input(0, "a1", "loitering", track: 7), T.input(30, "a2", "intrusion", track: 7)]).isEmpty)
    }

    @Test func absence_firesAtTheDeadline_unlessTheFollowUpCame() throws {
        let rule = try T.scenario("""
            match: {kind: video_loss}
            absence: {expect: {kind: video_loss, phase: end}, within: 10m, correlate: same_camera}
            """)
        let fired = T.run([rule], [T.input(0, "a1", "video_loss")])
        #expect(fired.count == 1)
        let input = T.input(0, "a1", "video_loss")
        #expect(fired.first.map { $0.timeMs - input.timeMs } == 600_000, "fires at the deadline, in event time")
        #expect(T.run([rule], [T.input(0, "a1", "video_loss"), T.input(300, "a1", "video_loss", phase: .end)]).isEmpty)
        #expect(T.run([rule], [T.input(0, "a1", "video_loss"), T.input(300, "a2", "video_loss", phase: .end)]).count == 1, "another camera recovered")
        #expect(T.run([rule], [T.input(0, "a1", "video_loss"), T.input(700, "a1", "video_loss", phase: .end)]).count == 1, "too late")
    }

    @Test func absence_firesFromTheWallClock_whenNoEventsArrive() throws {
        let rule = try T.scenario("match: {kind: video_loss}\nabsence: {expect: {kind: motion}, within: 1m, correlate: same_camera}")
        let engine = ScenarioEngine(scenarios: [rule], city: T.city, latenessMs: 5_000)
        var out: [Activation] = []
        let input = T.input(0, "a1", "video_loss")
        engine.process(input, into: &out)
        engine.advance(wallClockMs: input.timeMs + 60_000, into: &out)
        #expect(out.isEmpty, "the deadline has come but the lateness allowance has not passed")
        engine.advance(wallClockMs: input.timeMs + 65_001, into: &out)  // the watermark passes the deadline
        #expect(out.count == 1)
    }

    @Test func rate_rise_overTheWindow_perCamera() throws {
        let rule = try T.scenario("match: {kind: water_level}\nrate: {attribute: water_level_cm, window: 10m, rise: 30}")
        func level(_ s: Double, _ cam: String, _ cm: Double) -> ScenarioInput { T.input(s, cam, "water_level", phase: .update, attributes: ["water_level_cm": .double(cm)]) }
        #expect(T.run([rule], [level(0, "ax", 100), level(300, "ax", 115), level(540, "ax", 131)]).count == 1)
        #expect(T.run([rule], [level(0, "ax", 100), level(660, "ax", 131)]).isEmpty, "the low sample left the window")
        #expect(T.run([rule], [level(0, "ax", 100), level(60, "bx", 140)]).isEmpty, "two cameras")
        #expect(T.run([rule], [level(0, "ax", 140), level(60, "ax", 100)]).isEmpty, "a fall is not a rise")
    }

    @Test func cooldown_perDedupKey() throws {
        let rule = try T.scenario("match: {kind: fire}\ncooldown: 10m\ndedup: district")
        let fired = T.run([rule], [
            T.input(0, "a1", "fire"), T.input(60, "a2", "fire"),  // a: once
            T.input(120, "b1", "fire"),  // b: its own key
            T.input(700, "a1", "fire"),  // a again after the cooldown
        ])
        #expect(fired.map(\.key) == ["a", "b", "a"])
        #expect(Set(fired.map(\.id)).count == 3)
    }

    @Test func filters_attributes_severity_andPhase() throws {
        let rule = try T.scenario("match: {kind: crowd, min_severity: high, where: {count: {gte: 50}}}")
        #expect(T.run([rule], [T.input(0, "a1", "crowd", severity: .high, attributes: ["count": .int(49)])]).isEmpty)
        #expect(T.run([rule], [T.input(0, "a1", "crowd", severity: .medium, attributes: ["count": .int(60)])]).isEmpty)
        #expect(T.run([rule], [T.input(0, "a1", "crowd", phase: .end, severity: .high, attributes: ["count": .int(60)])]).isEmpty)
        #expect(T.run([rule], [T.input(0, "a1", "crowd", severity: .high, attributes: ["count": .int(60)])]).count == 1)
    }

    @Test func lateInputs_areCountedAndNotEvaluated() throws {
        let rule = try T.scenario("match: {kind: fire}\ncooldown: 1s")
        let engine = ScenarioEngine(scenarios: [rule], city: T.city, latenessMs: 60_000)
        var out: [Activation] = []
        engine.process(T.input(1000, "a1", "fire"), into: &out)
        engine.process(T.input(950, "a2", "fire"), into: &out)  // 50 s behind: within the allowance
        engine.process(T.input(800, "b1", "fire"), into: &out)  // 200 s behind: late
        #expect(out.count == 2)
        #expect(engine.statistics.late == 1)
        #expect(engine.statistics.inputs == 3)
    }

    @Test func state_staysBounded_overAMillionSecondsOfInputs() throws {
        let count = try T.scenario("match: {kind: motion}\ncount: {window: 1m, at_least: 100000, group_by: camera}")
        let seq = try T.scenario("match: {kind: motion}\nsequence: {then: {kind: fire}, within: 1m, correlate: same_camera}")
        let engine = ScenarioEngine(scenarios: [count, seq], city: T.city, latenessMs: 0)
        var out: [Activation] = []
        for s in 0..<20_000 { engine.process(T.input(Double(s) * 50, s % 2 == 0 ? "a1" : "b1", "motion"), into: &out) }
        #expect(out.isEmpty)
        // One minute of inputs at one per 50 s is 2 per window per rule (+ cooldown keys): nothing accumulates.
        #expect(engine.statistics.stateEntries < 10, "\(engine.statistics)")
    }

    @Test func pendingSteps_dropTheOldest_beyondTheCap() throws {
        let seq = try T.scenario("match: {kind: motion}\nsequence: {then: {kind: fire}, within: 1h, correlate: any}")
        var limits = ScenarioEngine.Limits()
        limits.pendingPerRule = 100
        let engine = ScenarioEngine(scenarios: [seq], city: T.city, latenessMs: 0, limits: limits)
        var out: [Activation] = []
        let motions = (0..<250).map { T.input(Double($0), "a1", "motion") }
        for input in motions { engine.process(input, into: &out) }
        #expect(engine.statistics.droppedState == 150)
        #expect(engine.statistics.stateEntries == 100)
        engine.process(T.input(300, "a1", "fire"), into: &out)
        #expect(out.first?.events.first?.eventID != nil)
        // The oldest 150 went: the first step the fire completes is the oldest of the 100 kept.
        #expect(out.first?.events.first == motions[150].reference)
    }

    @Test func aStepExactlyAtTheDeadline_countsWhateverArrivesFirstAtThatInstant() throws {
        let seq = try T.scenario("match: {kind: smoke}\nsequence: {then: {kind: fire}, within: 5m, correlate: same_camera}")
        #expect(T.run([seq], [T.input(0, "a1", "smoke"), T.input(300, "a1", "fire")]).count == 1)
        #expect(T.run([seq], [T.input(0, "a1", "smoke"), T.input(300, "b1", "motion"), T.input(300, "a1", "fire")]).count == 1)
        let absence = try T.scenario("match: {kind: smoke}\nabsence: {expect: {kind: fire}, within: 2m, correlate: same_camera}")
        #expect(T.run([absence], [T.input(0, "a1", "smoke"), T.input(120, "b1", "motion"), T.input(120, "a1", "fire")]).isEmpty)
    }

    @Test func distinctTracks_leaveOutUntrackedInputs() throws {
        let rule = try T.scenario("match: {kind: intrusion}\ncount: {window: 5m, at_least: 2, distinct: tracks}")
        #expect(T.run([rule], [T.input(0, "a1", "intrusion"), T.input(10, "a1", "intrusion", track: 4)]).isEmpty)
        #expect(T.run([rule], [T.input(0, "a1", "intrusion", track: 3), T.input(10, "a1", "intrusion", track: 4)]).count == 1)
    }

    @Test func durations_refuseOverflowAndMoreThanAYear() throws {
        #expect(ScenarioDuration.parse("1h30m") == 5_400_000)
        #expect(ScenarioDuration.parse("9000000000000000000ms1000000000000000000ms") == nil)
        #expect(ScenarioDuration.parse("99999999999999999999d") == nil)
        #expect(throws: ConfigError.self) { try T.scenario("match: {kind: fire}\ncooldown: 367d") }
        #expect(throws: ConfigError.self) { try T.scenario("match: {kind: fire}\ncooldown: 10x") }
    }

    @Test func seededCooldowns_keepARestartedEngineQuiet() throws {
        let rule = try T.scenario("match: {kind: fire}\ncooldown: 10m\ndedup: district")
        let engine = ScenarioEngine(scenarios: [rule], city: T.city, latenessMs: 0)
        let first = T.input(0, "a1", "fire")
        engine.seedCooldown(scenario: "t.rule", key: "a", timeMs: first.timeMs - 60_000)
        var out: [Activation] = []
        engine.process(first, into: &out)
        #expect(out.isEmpty, "fired a minute before the restart: still cooling down")
        engine.process(T.input(600, "a1", "fire"), into: &out)
        #expect(out.count == 1)
    }

    /// A step captured earlier but arrived later (within the lateness allowance) waits behind an
    /// older one; once that one is satisfied, the later step's absence fires as soon as the
    /// watermark passes its own deadline, not the removed step's.
    @Test func anAbsenceBehindASatisfiedStep_firesAtItsOwnDeadline() throws {
        let rule = try T.scenario("match: {kind: smoke}\nabsence: {expect: {kind: fire}, within: 1m, correlate: same_camera}")
        let engine = ScenarioEngine(scenarios: [rule], city: T.city, latenessMs: 60_000)
        var out: [Activation] = []
        engine.process(T.input(100, "a1", "smoke"), into: &out)  // A: due at 160 s
        engine.process(T.input(150, "d1", "motion"), into: &out)  // watermark 90 s
        engine.process(T.input(95, "a2", "smoke"), into: &out)  // B, behind A: due at 155 s
        engine.process(T.input(217, "d1", "motion"), into: &out)  // watermark 157 s: A is oldest and not due
        #expect(out.isEmpty)
        engine.process(T.input(158, "a1", "fire"), into: &out)  // A satisfied; B (due 155 s) is oldest
        engine.process(T.input(218, "d1", "motion"), into: &out)  // watermark 158 s, before A's 160 s
        #expect(out.map(\.cameras) == [["a2"]], "B's absence fires at the first watermark past 155 s")
        engine.finish(into: &out)
        #expect(out.count == 1, "A was satisfied")
    }

    /// A reload keeps an unchanged rule's state and routes kinds to the new set's rules, also for
    /// kinds the engine had already seen (their rule lists are cached by kind number).
    @Test func aReload_keepsUnchangedRules_andRoutesKindsToTheNewSet() throws {
        let count = try T.scenario("match: {kind: smoke}\ncount: {window: 10m, at_least: 2, group_by: camera}")
        let single = try ConfigLoader.decode(
            Scenario.self, yaml: "id: t.fire\ntitle: F\ndomain: security\nseverity: high\nmatch: {kind: fire}", file: "fire.yaml")
        let engine = ScenarioEngine(scenarios: [count], city: T.city, latenessMs: 0)
        var out: [Activation] = []
        engine.process(T.input(0, "a1", "smoke"), into: &out)
        engine.process(T.input(1, "a1", "fire"), into: &out)
        #expect(out.isEmpty, "no rule on fire yet; one smoke in the window")
        engine.replace(scenarios: [count, single])
        engine.process(T.input(2, "a1", "fire"), into: &out)
        #expect(out.map(\.scenarioID) == ["t.fire"], "fire, seen before the reload, reaches the new rule")
        engine.process(T.input(3, "a1", "smoke"), into: &out)
        #expect(out.map(\.scenarioID) == ["t.fire", "t.rule"], "the count rule kept its first smoke across the reload")
        engine.replace(scenarios: [count])
        engine.process(T.input(4, "a1", "fire"), into: &out)
        #expect(out.count == 2, "the removed rule no longer fires")
    }

    @Test func anInputAtTheEndOfTime_doesNotTrap() throws {
        let seq = try T.scenario("match: {kind: smoke}\nsequence: {then: {kind: fire}, within: 366d, correlate: same_camera}")
        let absence = try T.scenario("match: {kind: smoke}\nabsence: {expect: {kind: fire}, within: 366d}")
        let near = T.input(0, "a1", "smoke")
        var event = near.event
        event.captureTimeMs = .max - 1
        let far = ScenarioInput(agentID: near.agentID, event: event, district: near.district)
        let out = T.run([seq, absence], [T.input(0, "a1", "smoke"), far])
        #expect(out.count == 2, "both absences run out at finish, neither traps")
    }
}

/// `EventFilter` tests kinds and phases through a sorted list and a bit set derived from its sets:
/// the same answers as the sets, and filters equal whatever order their lists were written in
/// (a reload keeps the state of rules whose definition did not change).
@Suite struct EventFilterTests {
    typealias T = ScenarioTestCity

    @Test func kindsAndPhases_matchAsTheirSets() throws {
        let rule = try T.scenario("match: {kind: [smoke, fire, intrusion], phase: [end]}\n")
        #expect(rule.match.matches(T.input(0, "a1", "fire", phase: .end)))
        #expect(rule.match.matches(T.input(0, "a1", "intrusion", phase: .end)))
        #expect(!rule.match.matches(T.input(0, "a1", "fire", phase: .start)))
        #expect(!rule.match.matches(T.input(0, "a1", "crowd", phase: .end)))
        var changed = rule.match
        changed.kinds = ["crowd"]
        changed.phases = [.start, .update]
        #expect(changed.matches(T.input(0, "a1", "crowd", phase: .update)))
        #expect(!changed.matches(T.input(0, "a1", "fire", phase: .update)))
        #expect(!changed.matches(T.input(0, "a1", "crowd", phase: .end)))
        // Defaults: any kind, start and update.
        let any = try T.scenario("match: {}\n")
        #expect(any.match.matches(T.input(0, "a1", "crowd")) && !any.match.matches(T.input(0, "a1", "crowd", phase: .end)))
    }

    @Test func filtersWrittenInAnotherOrder_areEqual() throws {
        let a = try T.scenario("match: {kind: [smoke, fire, intrusion, crowd, loitering], phase: [update, start]}\n")
        let b = try T.scenario("match: {kind: [loitering, intrusion, crowd, fire, smoke], phase: [start, update]}\n")
        #expect(a == b && a.hashValue == b.hashValue)
    }
}
