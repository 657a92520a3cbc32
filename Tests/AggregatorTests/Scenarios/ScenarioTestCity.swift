@testable import Aggregator
import Shared
import Synchronization

/// A small city for engine tests: districts a–b–c in a row (d alone), a river r1 → r2 → r3 through
/// a, b, c, and two cameras per district (the `-x` one on the river), agent per district.
enum ScenarioTestCity {
    static let city: CityModel = try! ConfigLoader.decode(CityModel.self, yaml: """
        city: t
        districts:
          - {id: a, adjacent: [b]}
          - {id: b, adjacent: [c]}
          - {id: c}
          - {id: d}
        reaches:
          - {id: r1, downstream: [r2]}
          - {id: r2, downstream: [r3]}
          - {id: r3}
        cameras:
          - {id: a1, agent: ag-a, district: a, latitude: 31.2200, longitude: 121.5}
          - {id: a2, agent: ag-a, district: a, latitude: 31.2227, longitude: 121.5}
          - {id: ax, agent: ag-a, district: a, reach: r1}
          - {id: b1, agent: ag-b, district: b, latitude: 31.2400, longitude: 121.5}
          - {id: bx, agent: ag-b, district: b, reach: r2}
          - {id: c1, agent: ag-c, district: c}
          - {id: cx, agent: ag-c, district: c, reach: r3}
          - {id: d1, agent: ag-d, district: d}
        """, file: "test-city.yaml")

    static func scenario(_ yaml: String) throws -> Scenario {
        try ConfigLoader.decode(Scenario.self, yaml: "id: t.rule\ntitle: T\ndomain: security\nseverity: high\n" + yaml, file: "rule.yaml")
    }

    private static let ids = Mutex<UInt64>(0)

    /// An input at `seconds` after a fixed epoch.
    static func input(
        _ seconds: Double, _ camera: String, _ kind: EventKind, track: UInt64 = 0, phase: EventPhase = .start,
        severity: Severity? = nil, attributes: Attributes = [:]
    ) -> ScenarioInput {
        let id = ids.withLock { $0 += 1; return $0 }
        let agent = city.camerasByID[camera]!.agent
        let event = Event(
            id: id, cameraID: camera, kind: kind, phase: phase, captureTimeMs: 1_000_000_000_000 + Int64(seconds * 1000),
            trackID: track, severity: severity, attributes: attributes)
        return ScenarioInput(agentID: agent, event: event, city: city)
    }

    /// Runs inputs in order through an engine with these scenarios (lateness 0), then finishes.
    static func run(_ scenarios: [Scenario], _ inputs: [ScenarioInput], finish: Bool = true) -> [Activation] {
        let engine = ScenarioEngine(scenarios: scenarios, city: city, latenessMs: 0)
        var out: [Activation] = []
        for input in inputs { engine.process(input, into: &out) }
        if finish { engine.finish(into: &out) }
        return out
    }
}
