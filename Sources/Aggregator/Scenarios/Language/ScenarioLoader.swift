import Foundation
import Shared

/// Reads a scenario directory: every `.yaml` file below it is one scenario, except a top-level
/// `city.yaml` (the city its fixtures use). Errors name file, line and key; ids must be unique
/// across files. With a city model, filters naming districts, cameras, reaches or roads it does
/// not have are errors too.
enum ScenarioLoader {
    /// The city filters are checked against while a directory is decoded.
    @TaskLocal static var city: CityModel?

    struct Loaded: Sendable {
        var scenarios: [Scenario]
        /// Scenario id → the file it came from.
        var files: [String: String]
    }

    struct Failure: Error, CustomStringConvertible {
        var errors: [ConfigError]
        var description: String { errors.map(\.description).joined(separator: "\n") }
    }

    /// Loads all files, collecting every error (a check run reports them all, not the first).
    static func load(directory: String, city: CityModel?) throws(Failure) -> Loaded {
        let files: [String]
        do { files = try scenarioFiles(in: directory) } catch {
            throw Failure(errors: [ConfigError(file: directory, line: nil, column: nil, keyPath: "", message: "cannot read the directory: \(error)")])
        }
        var errors: [ConfigError] = []
        var loaded = Loaded(scenarios: [], files: [:])
        for file in files {
            do {
                let scenario = try Self.$city.withValue(city) { () throws(ConfigError) -> Scenario in
                    try ConfigLoader.load(Scenario.self, fromFile: file)
                }
                if let other = loaded.files[scenario.id] {
                    errors.append(ConfigError(file: file, line: nil, column: nil, keyPath: "id", message: "duplicate scenario id '\(scenario.id)' (also in \(other))"))
                    continue
                }
                loaded.files[scenario.id] = file
                loaded.scenarios.append(scenario)
            } catch let error as ConfigError {
                errors.append(error)
            } catch {
                errors.append(ConfigError(file: file, line: nil, column: nil, keyPath: "", message: "\(error)"))
            }
        }
        guard errors.isEmpty else { throw Failure(errors: errors) }
        return loaded
    }

    /// Sorted paths of the scenario files below `directory`.
    static func scenarioFiles(in directory: String) throws -> [String] {
        let root = URL(fileURLWithPath: directory)
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else {
            throw CocoaError(.fileReadNoSuchFile)
        }
        var files: [String] = []
        for case let url as URL in walker where url.pathExtension == "yaml" || url.pathExtension == "yml" {
            let relative = url.path.dropFirst(root.path.count).drop { $0 == "/" }
            if relative == "city.yaml" { continue }
            files.append(url.path)
        }
        guard FileManager.default.fileExists(atPath: directory) else { throw CocoaError(.fileReadNoSuchFile) }
        return files.sorted()
    }
}
