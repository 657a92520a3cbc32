import ArgumentParser
import Foundation
import Shared

/// `aggregator scenarios check|test DIR`: validates a scenario directory and runs its fixtures.
struct ScenariosCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenarios", abstract: "Validate scenario files and run their fixtures.",
        subcommands: [Check.self, Test.self, BacktestCommand.self, ScenariosListCommand.self, ScenariosReloadCommand.self])

    struct Options: ParsableArguments {
        @Argument(help: "The scenario directory (every .yaml below it except a top-level city.yaml).") var directory: String
        @Option(help: "City model to check references against (default: DIR/city.yaml when it exists).") var city: String?
        @Flag(help: "Print JSON.") var json = false

        /// The city named, or the directory's own; nil when neither exists.
        func loadCity() throws -> CityModel? {
            let path = city ?? (directory as NSString).appendingPathComponent("city.yaml")
            guard city != nil || FileManager.default.fileExists(atPath: path) else { return nil }
            do { return try CityModel.load(path: path) } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                throw ExitCode(78)
            }
        }

        func load(city: CityModel?) throws -> ScenarioLoader.Loaded {
            do { return try ScenarioLoader.load(directory: directory, city: city) } catch {
                if json {
                    let errors = error.errors.map { ["file": $0.file, "line": $0.line.map(String.init) ?? "", "key": $0.keyPath, "message": $0.message] }
                    print(String(decoding: try JSONSerialization.data(withJSONObject: ["valid": false, "errors": errors], options: [.sortedKeys]), as: UTF8.self))
                } else {
                    FileHandle.standardError.write(Data("\(error)\n\(error.errors.count) error(s)\n".utf8))
                }
                throw ExitCode(78)
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate every scenario file; errors name file:line and key.")
        @OptionGroup var options: Options

        func run() throws {
            let city = try options.loadCity()
            let loaded = try options.load(city: city)
            var byDomain: [String: Int] = [:]
            for s in loaded.scenarios { byDomain[s.domain.rawValue, default: 0] += 1 }
            if options.json {
                let object: [String: Any] = ["valid": true, "scenarios": loaded.scenarios.count, "by_domain": byDomain]
                print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            } else {
                let domains = byDomain.keys.sorted().map { "\($0) \(byDomain[$0]!)" }.joined(separator: ", ")
                print("\(loaded.scenarios.count) scenarios valid (\(domains))\(city == nil ? "; no city model, references not checked" : "")")
            }
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run each scenario's positive and negative fixtures.")
        @OptionGroup var options: Options
        @Option(help: "Only this scenario.") var scenario: String?

        func run() throws {
            guard let city = try options.loadCity() else {
                throw ValidationError("fixtures need a city model: give --city or put city.yaml in \(options.directory)")
            }
            let loaded = try options.load(city: city)
            if let scenario, loaded.files[scenario] == nil { throw ValidationError("no scenario '\(scenario)' in \(options.directory)") }
            let outcomes = FixtureRunner.run(loaded, city: city, only: scenario)
            let failed = outcomes.filter { !$0.passed }
            if options.json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                for o in outcomes { print(String(decoding: try encoder.encode(o), as: UTF8.self)) }
            } else {
                for o in failed {
                    print("FAIL \(o.scenario) \(o.fixture): expected \(o.expected) activation(s), got \(o.activations)\(o.problem.map { ": \($0)" } ?? "")")
                    for s in o.summaries.prefix(3) { print("     \(s)") }
                }
                print("\(outcomes.count - failed.count)/\(outcomes.count) fixtures passed for \(Set(outcomes.map(\.scenario)).count) scenarios")
            }
            if !failed.isEmpty { throw ExitCode(1) }
        }
    }
}
