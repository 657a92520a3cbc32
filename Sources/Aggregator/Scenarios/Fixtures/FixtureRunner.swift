import Foundation
import Shared

/// Runs every scenario's fixtures (`aggregator scenarios test`, the test suite): the positive
/// replay must fire the scenario (exactly `expect_activations` times when given), the negative
/// one must not fire it at all. A scenario without both fixtures fails.
enum FixtureRunner {
    struct Outcome: Sendable, Codable, Hashable {
        var scenario: String
        var fixture: String
        var expected: String
        var activations: Int
        var passed: Bool
        var problem: String?
        var summaries: [String]
    }

    static func run(_ loaded: ScenarioLoader.Loaded, city: CityModel, only: String? = nil) -> [Outcome] {
        var outcomes: [Outcome] = []
        for scenario in loaded.scenarios where only == nil || scenario.id == only {
            let base = String(loaded.files[scenario.id, default: ""].dropLast(".yaml".count))
            for positive in [true, false] {
                let path = base + (positive ? ".positive.jsonl" : ".negative.jsonl")
                let name = URL(fileURLWithPath: path).lastPathComponent
                guard FileManager.default.fileExists(atPath: path) else {
                    outcomes.append(Outcome(scenario: scenario.id, fixture: name, expected: positive ? "fires" : "silent", activations: 0, passed: false, problem: "missing fixture \(path)", summaries: []))
                    continue
                }
                do {
                    let fixture = try ScenarioFixture(path: path, city: city)
                    var rule = scenario
                    rule.enabled = true
                    let activations = fixture.run(rule, city: city)
                    let expected: String
                    let passed: Bool
                    if let n = fixture.expectedActivations {
                        expected = "exactly \(n)"
                        passed = activations.count == n
                    } else {
                        expected = positive ? "at least 1" : "none"
                        passed = positive ? !activations.isEmpty : activations.isEmpty
                    }
                    outcomes.append(Outcome(scenario: scenario.id, fixture: name, expected: expected, activations: activations.count, passed: passed, problem: nil, summaries: activations.map(\.summary)))
                } catch {
                    outcomes.append(Outcome(scenario: scenario.id, fixture: name, expected: positive ? "fires" : "silent", activations: 0, passed: false, problem: "\(error)", summaries: []))
                }
            }
        }
        return outcomes
    }
}
