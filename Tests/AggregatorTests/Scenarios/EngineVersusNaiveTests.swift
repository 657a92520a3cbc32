@testable import Aggregator
import Foundation
import Shared
import Testing
import TestSupport

/// Differential test: on random streams shaped by the library, the incremental engine fires exactly
/// what the naive evaluator (rescanning windows per input) fires, activation for activation.
@Suite struct EngineVersusNaiveTests {
    @Test(arguments: [1, 2, 3] as [UInt64], [0, 60_000] as [Int64])
    func sameActivations_asTheNaiveEvaluator(seed: UInt64, latenessMs: Int64) async throws {
        let directory = TestPaths.packageRoot.appendingPathComponent("Deploy/scenarios").path
        // Sparse in time (200 ms apart) so minute-long windows see a few events, and rules fire.
        let workload = try ScenarioWorkload.make(directory: directory, events: 6_000, seed: seed, spacingMs: 200)
        let engine = ScenarioEngine(scenarios: workload.scenarios, city: workload.city, latenessMs: latenessMs)
        let naive = NaiveEvaluator(scenarios: workload.scenarios, city: workload.city, latenessMs: latenessMs)
        var fast: [Activation] = [], slow: [Activation] = []
        for (i, input) in workload.inputs.enumerated() {
            engine.process(input, into: &fast)
            naive.process(input, into: &slow)
            // CPU-bound: let the suite's process-driving tests run on the 2-thread pool too.
            if i % 200 == 0 { await Task.yield() }
        }
        #expect(fast.count > 50, "the stream must make rules fire: \(fast.count)")
        #expect(fast.map(\.id) == slow.map(\.id))
        #expect(Set(fast.map(\.scenarioID)).count > 10)
        // Absence rules are part of it: they fire, and at the same times.
        let absences = Set(workload.scenarios.filter { if case .absence = $0.pattern { true } else { false } }.map(\.id))
        #expect(fast.contains { absences.contains($0.scenarioID) }, "the stream must make absence rules fire")
    }
}
