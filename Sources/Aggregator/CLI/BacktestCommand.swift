import ArgumentParser
import Foundation
import Logging
import Shared

/// `aggregator scenarios backtest`: runs scenarios (with fusion) over stored history in capture-time
/// order and reports what would have fired. Reads only: nothing is recorded, sent or commanded.
struct BacktestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest", abstract: "Run scenarios over stored events and report what would have fired.")

    @Option(help: "The aggregator's configuration (store, city, scenario directory).") var config: String
    @Option(help: "Start: ISO-8601 (2026-11-29T08:00:00Z), ms since the epoch, or a duration ago (24h).") var from: String
    @Option(help: "End (exclusive), same forms; default now.") var to: String?
    @Option(help: "Only this scenario.") var scenario: String?
    @Option(help: "Scenario directory (default: the configuration's scenarios.directory).") var scenarios: String?
    @Flag(help: "One JSON object per activation, then a summary object.") var json = false

    func run() async throws {
        let configuration: AggregatorConfiguration
        let city: CityModel
        do {
            configuration = try AggregatorConfiguration.load(path: config)
            city = try CityModel.load(path: configuration.cityPath)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(78)
        }
        guard let directory = scenarios ?? configuration.scenarios.directory else {
            throw ValidationError("no scenario directory: give --scenarios or set scenarios.directory in \(config)")
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        guard let fromMs = Self.time(from, nowMs: now) else { throw ValidationError("--from: '\(from)' is not a time") }
        guard let toMs = to.map({ Self.time($0, nowMs: now) }) ?? now else { throw ValidationError("--to: '\(to ?? "")' is not a time") }
        guard fromMs < toMs else { throw ValidationError("--from must be before --to") }
        var rules: [Scenario]
        do { rules = try ScenarioLoader.load(directory: directory, city: city).scenarios } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(78)
        }
        if let scenario {
            rules = rules.filter { $0.id == scenario }
            guard !rules.isEmpty else { throw ValidationError("no scenario '\(scenario)' in \(directory)") }
        }
        let store: any EventStore
        do {
            switch configuration.store {
            case .sqlite(let path): store = try SQLiteEventStore(path: path, readOnly: true)
            case .postgres(let settings):
                store = try await PostgresEventStore.open(settings.withPasswordFromFile(), logger: Logger(label: "backtest"))
            }
        } catch {
            FileHandle.standardError.write(Data("error: opening the store: \(error)\n".utf8))
            throw ExitCode(69)
        }
        // Events arrive in capture-time order: no lateness allowance is needed.
        let pipeline = ScenarioPipeline(scenarios: rules, fusion: configuration.fusion, city: city, latenessMs: 0)
        var out = ScenarioPipeline.Output()
        var activations: [Activation] = []
        var incidents: Set<String> = []
        var events = 0
        var query = EventQuery(fromMs: fromMs, toMs: toMs, limit: 5_000, ascending: true)
        do {
            while true {
                let page = try await store.events(query)
                events += page.count
                pipeline.process(page.map { ScenarioInput(stored: $0, city: city) }, into: &out)
                activations += out.activations
                incidents.formUnion(out.incidents.map(\.incident.id))
                out.removeAll()
                _ = pipeline.fuser.takeDirty()  // nothing is saved: let resolved incidents go
                guard page.count == query.limit, let last = page.last else { break }
                query.after = EventCursor(captureTimeMs: last.event.captureTimeMs, agentID: last.agentID, eventID: last.event.id)
            }
        } catch {
            await store.close()
            FileHandle.standardError.write(Data("error: reading events: \(error)\n".utf8))
            throw ExitCode(69)
        }
        await store.close()
        pipeline.finish(into: &out)
        activations += out.activations
        incidents.formUnion(out.incidents.map(\.incident.id))
        try report(activations, events: events, incidents: incidents.count, rules: rules.count)
    }

    private func report(_ activations: [Activation], events: Int, incidents: Int, rules: Int) throws {
        var perScenario: [String: Int] = [:]
        for a in activations { perScenario[a.scenarioID, default: 0] += 1 }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            for a in activations { print(String(decoding: try encoder.encode(a), as: UTF8.self)) }
            let summary: [String: Any] = ["events": events, "incidents": incidents, "rules": rules, "activations": activations.count, "by_scenario": perScenario]
            print(String(decoding: try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys]), as: UTF8.self))
            return
        }
        let formatter = ISO8601DateFormatter()
        for a in activations {
            let time = formatter.string(from: Date(timeIntervalSince1970: Double(a.timeMs) / 1000))
            print("\(time)  \(a.severity.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))  \(a.scenarioID)  \(a.summary)")
        }
        print("\(activations.count) activation(s) from \(events) events (\(incidents) incidents) over \(rules) scenario(s)")
        for id in perScenario.keys.sorted() { print("  \(id): \(perScenario[id]!)") }
    }

    /// ISO-8601, ms since the epoch, or a duration meaning that long ago.
    static func time(_ text: String, nowMs: Int64) -> Int64? {
        if let ago = ScenarioDuration.parse(text) { return nowMs - ago }
        return TimeArgument.milliseconds(text)
    }
}
