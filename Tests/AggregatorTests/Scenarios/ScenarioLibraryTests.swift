@testable import Aggregator
import Foundation
import Shared
import Testing
import TestSupport

/// The shipped library (Deploy/scenarios): valid against its fixture city, covering the taxonomy,
/// with cross-district rules in every domain, and every positive and negative fixture passing.
@Suite struct ScenarioLibraryTests {
    static let directory = TestPaths.packageRoot.appendingPathComponent("Deploy/scenarios").path

    static func load() throws -> (ScenarioLoader.Loaded, CityModel) {
        let city = try CityModel.load(path: directory + "/city.yaml")
        return (try ScenarioLoader.load(directory: directory, city: city), city)
    }

    @Test func everyFixture_passes() throws {
        let (loaded, city) = try Self.load()
        let outcomes = FixtureRunner.run(loaded, city: city)
        #expect(outcomes.count == 2 * loaded.scenarios.count)
        for failure in outcomes where !failure.passed {
            Issue.record("\(failure.scenario) \(failure.fixture): expected \(failure.expected), got \(failure.activations) \(failure.problem ?? "")")
        }
        // A positive fixture that fires nothing, or a negative one that fires, fails above; both exist.
        #expect(outcomes.filter { $0.fixture.hasSuffix(".positive.jsonl") }.allSatisfy { $0.activations > 0 })
    }

    @Test func library_coversTheTaxonomy_withCrossDistrictRulesInEveryDomain() throws {
        let (loaded, _) = try Self.load()
        #expect(loaded.scenarios.count >= 81)
        let covered = Set(loaded.scenarios.flatMap(\.taxonomy))
        #expect(covered.isSuperset(of: 1...81), "missing taxonomy types: \(Set(1...81).subtracting(covered).sorted())")
        for domain in EventKindDescriptor.Domain.allCases {
            let crossDistrict = loaded.scenarios.filter { $0.domain == domain && Self.spansDistricts($0) }
            #expect(!crossDistrict.isEmpty, "no cross-district scenario in \(domain)")
        }
        for scenario in loaded.scenarios {
            #expect(!scenario.edge.isEmpty, "\(scenario.id) does not say which edge capability feeds it")
            #expect(!scenario.description.isEmpty, "\(scenario.id) has no description")
        }
    }

    /// Sequences across districts (adjacent, downstream, road ahead, or another district) and
    /// counts of distinct districts.
    static func spansDistricts(_ s: Scenario) -> Bool {
        switch s.pattern {
        case .sequence(let p):
            switch p.correlate {
            case .adjacentDistrict, .sameOrAdjacentDistrict, .downstream, .upstream, .roadAhead: return true
            default: return p.otherDistrict
            }
        case .count(let p): return p.distinct == .districts
        default: return false
        }
    }

    @Test func aBrokenFile_isRefusedWithFileLineAndKey_andEveryErrorIsReported() throws {
        let dir = try TestPaths.temporaryDirectory("scenarios")
        defer { try? FileManager.default.removeItem(at: dir) }
        try "id: a.one\ntitle: A\ndomain: water\nseverity: high\nmatch: {kind: water_level, district: [nowhere]}\n"
            .write(to: dir.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        try "id: b.two\ntitle: B\ndomain: water\nseverity: high\nmatch: {kind: x}\nsequence: {then: {kind: y}, within: 10x}\n"
            .write(to: dir.appendingPathComponent("b.yaml"), atomically: true, encoding: .utf8)
        try "id: a.one\ntitle: C\ndomain: water\nseverity: high\nmatch: {kind: x}\n"
            .write(to: dir.appendingPathComponent("c.yaml"), atomically: true, encoding: .utf8)
        let (_, city) = try Self.load()
        do {
            _ = try ScenarioLoader.load(directory: dir.path, city: city)
            Issue.record("accepted")
        } catch {
            let messages = error.errors.map(\.description)
            #expect(error.errors.count == 2, "\(messages)")  // c.yaml reuses a.yaml's id, but a.yaml did not load
            #expect(messages.contains { $0.contains("a.yaml:5:") && $0.contains("match.district") && $0.contains("unknown district 'nowhere'") }, "\(messages)")
            #expect(messages.contains { $0.contains("b.yaml:6:") && $0.contains("sequence.within") }, "\(messages)")
        }
    }

    @Test func demoScenarios_loadAgainstTheDemoCity() throws {
        let demo = TestPaths.packageRoot.appendingPathComponent("Deploy/demo").path
        let city = try CityModel.load(path: demo + "/city.yaml")
        let loaded = try ScenarioLoader.load(directory: demo + "/scenarios", city: city)
        #expect(loaded.scenarios.count == 5)
        // The demo's webhook is "ops" (scripts/demo.sh configures it): nothing else may be named.
        #expect(ScenarioService.unknownWebhooks(loaded, known: ["ops"]) == nil)
    }

    @Test func libraryDoc_listsEveryScenario() throws {
        let (loaded, _) = try Self.load()
        let doc = try String(contentsOfFile: TestPaths.packageRoot.appendingPathComponent("docs/SCENARIO-LIBRARY.md").path, encoding: .utf8)
        let missing = loaded.scenarios.map(\.id).filter { !doc.contains("| \($0) |") }
        #expect(missing.isEmpty, "run scripts/scenario-library-doc.py: \(missing)")
        #expect(doc.contains("\(loaded.scenarios.count) scenarios."))
    }
}
