import Aggregator
import ArgumentParser
import Foundation
import TestSupport

/// `bench scenarios`: events/s through fusion + the whole scenario library (Deploy/scenarios) on
/// one core, with the time from an event's arrival to its activation (p50/p99), next to a naive
/// evaluator that rescans each rule's window per event, in the same run on the same stream.
struct ScenarioSuite: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scenarios", abstract: "Scenario engine throughput and latency.")
    @OptionGroup var options: SuiteOptions

    func run() async throws {
        let directory = TestPaths.packageRoot.appendingPathComponent("Deploy/scenarios").path
        let events = options.quick ? 200_000 : 2_000_000
        let naiveEvents = options.quick ? 10_000 : 40_000
        // 1 ms apart on average: a city sending 1,000 events/s, so hour-long windows hold millions.
        let workload = try ScenarioWorkload.make(directory: directory, events: events, seed: 7, spacingMs: 1)
        var results: [BenchResult] = []

        // Throughput: the best of untimed runs. Latency: one run reading the clock around each input.
        var best: ScenarioWorkload.Run?
        for _ in 0..<(options.quick ? 1 : 3) {
            let run = workload.runPipeline(timingEachInput: false)
            if best == nil || run.seconds < best!.seconds { best = run }
        }
        let timed = workload.runPipeline(timingEachInput: true)
        guard timed.activations == best!.activations, timed.incidents == best!.incidents else {
            throw ValidationError("the timed run fired \(timed.activations) activations, the untimed \(best!.activations)")
        }
        let pipeline = best!
        let engineOnly = workload.runEngine(limit: naiveEvents)
        let naive = workload.runNaive(limit: naiveEvents)
        let pipelineRate = Double(workload.eventCount) / pipeline.seconds
        let engineRate = Double(naiveEvents) / engineOnly.seconds
        let naiveRate = Double(naiveEvents) / naive.seconds
        results.append(BenchResult(suite: "scenarios", name: "fusion+library events/s (\(workload.ruleCount) rules, 1 core)", value: pipelineRate, unit: "events/s"))
        results.append(BenchResult(
            suite: "scenarios", name: "engine events/s, first \(naiveEvents) events", value: engineRate, unit: "events/s",
            baseline: "naive rescan evaluator", baselineValue: naiveRate))
        results.append(BenchResult(suite: "scenarios", name: "naive rescan events/s, first \(naiveEvents) events", value: naiveRate, unit: "events/s"))
        let sorted = timed.activationLatencies.sorted()
        func percentile(_ p: Double) -> Double { sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        results.append(BenchResult(suite: "scenarios", name: "event → activation p50", value: percentile(0.5) * 1e6, unit: "µs"))
        results.append(BenchResult(suite: "scenarios", name: "event → activation p99", value: percentile(0.99) * 1e6, unit: "µs"))
        results.append(BenchResult(suite: "scenarios", name: "activations", value: Double(pipeline.activations), unit: "count"))
        results.append(BenchResult(suite: "scenarios", name: "incident changes", value: Double(pipeline.incidents), unit: "count"))
        results.append(BenchResult(
            suite: "scenarios", name: "engine activations = naive activations (first \(naiveEvents))", value: Double(engineOnly.activations),
            unit: "count", baseline: "naive", baselineValue: Double(naive.activations)))
        BenchReport.print(results, json: options.json)
    }
}
