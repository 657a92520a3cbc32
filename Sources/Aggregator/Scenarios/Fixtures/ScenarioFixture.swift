import Foundation
import Shared

/// A replay of events for testing a scenario (`<id>.positive.jsonl`, `<id>.negative.jsonl`): one
/// JSON object per line, times relative to the replay's start.
///
/// ```json
/// {"at": "0s", "camera": "cam-river-up", "kind": "water_level", "attributes": {"level_cm": 260}}
/// {"at": "12m", "camera": "cam-river-down", "kind": "water_level", "severity": "high"}
/// {"expect_activations": 1}
/// ```
/// Keys: `at` (duration), `camera`, `kind`, and optionally `phase`, `severity`, `zone`, `track`,
/// `confidence`, `attributes`, `source` (`incident`). A line `{"expect_activations": N}` asks for
/// exactly N activations (default: at least one for a positive fixture, none for a negative).
/// Empty lines and lines starting with `#` are skipped.
struct ScenarioFixture: Sendable {
    struct Line: Decodable {
        var at: String?
        var camera: String?
        var kind: String?
        var phase: EventPhase?
        var severity: Severity?
        var zone: String?
        var track: UInt64?
        var confidence: Double?
        var attributes: Attributes?
        var source: EventFilter.Source?
        var expectActivations: Int?

        enum CodingKeys: String, CodingKey {
            case at, camera, kind, phase, severity, zone, track, confidence, attributes, source, expectActivations = "expect_activations"
        }
    }

    /// 2026-01-01T00:00:00Z: fixture times are offsets from it.
    static let epochMs: Int64 = 1_767_225_600_000

    var inputs: [ScenarioInput]
    var expectedActivations: Int?

    /// Errors name the file and line.
    init(path: String, city: CityModel) throws(ConfigError) {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigError(file: path, line: nil, column: nil, keyPath: "", message: "cannot read: \(error.localizedDescription)")
        }
        var inputs: [ScenarioInput] = []
        var expected: Int?
        var nextID: [String: UInt64] = [:]
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            func fail(_ key: String, _ message: String) -> ConfigError {
                ConfigError(file: path, line: n + 1, column: nil, keyPath: key, message: message)
            }
            let line: Line
            do { line = try JSONDecoder().decode(Line.self, from: Data(trimmed.utf8)) } catch {
                throw fail("", "not a fixture line: \(error)")
            }
            if let e = line.expectActivations {
                expected = e
                continue
            }
            guard let at = line.at, let offset = ScenarioDuration.parse(at) else { throw fail("at", "missing or not a duration (e.g. 90s, 10m)") }
            guard let cameraID = line.camera, let camera = city.camerasByID[cameraID] else {
                throw fail("camera", "missing or not a camera of the fixture city")
            }
            guard let kind = line.kind, !kind.isEmpty else { throw fail("kind", "missing") }
            let id = (nextID[camera.agent] ?? 0) + 1
            nextID[camera.agent] = id
            let event = Event(
                id: id, cameraID: cameraID, kind: EventKind(kind), phase: line.phase ?? .start, captureTimeMs: Self.epochMs + offset,
                trackID: line.track ?? 0, zone: line.zone, confidence: line.confidence.map(Confidence.init) ?? .certain,
                severity: line.severity, attributes: Event.typed(line.attributes ?? [:], kind: EventKind(kind)))
            inputs.append(ScenarioInput(agentID: camera.agent, event: event, source: line.source ?? .event, city: city))
        }
        self.inputs = inputs
        self.expectedActivations = expected
    }

    /// Replays the inputs through fusion and an engine holding only `scenario` (so rules on
    /// incidents work too), then lets every wait run out.
    func run(_ scenario: Scenario, city: CityModel) -> [Activation] {
        let pipeline = ScenarioPipeline(scenarios: [scenario], fusion: FusionSettings(), city: city, latenessMs: 0)
        var out = ScenarioPipeline.Output()
        // Stable by time: lines with the same `at` keep their file order.
        let ordered = inputs.enumerated().sorted { ($0.element.timeMs, $0.offset) < ($1.element.timeMs, $1.offset) }
        pipeline.process(ordered.map(\.element), into: &out)
        pipeline.finish(into: &out)
        return out.activations
    }
}
