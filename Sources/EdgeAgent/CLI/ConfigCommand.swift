import ArgumentParser
import Foundation
import X509
import Shared

/// `edge-agent config check [FILE]`: validates a configuration without running anything —
/// syntax, keys and values (file:line errors), then what `run` would trip over: synthetic scene
/// names, the TLS files (present, readable, parseable, not expired) and the state directory.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Check an agent configuration.", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate a configuration file without running the agent (exit 78 when invalid).")

        @Argument(help: "The configuration file.") var file = AdminOptions.defaultConfig
        @Flag(help: "Print JSON.") var json = false

        struct Result: Codable {
            var file: String
            var ok: Bool
            var errors: [String]
            var warnings: [String]
            var agentID: String?
            var cameras: Int?

            enum CodingKeys: String, CodingKey { case file, ok, errors, warnings, agentID = "agent_id", cameras }
        }

        func run() async throws {
            let result = Self.check(file, nowMs: Int64(Date().timeIntervalSince1970 * 1000))
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
            } else {
                for error in result.errors { print("error: \(error)") }
                for warning in result.warnings { print("warning: \(warning)") }
                if result.ok { print("\(file): OK (agent \(result.agentID ?? "?"), \(result.cameras ?? 0) cameras)") }
            }
            if !result.ok { throw ExitCode(78) }
        }

        static func check(_ file: String, nowMs: Int64) -> Result {
            var result = Result(file: file, ok: false, errors: [], warnings: [])
            let configuration: AgentConfiguration
            do { configuration = try AgentConfiguration.load(path: file) } catch {
                result.errors.append("\(error)")
                return result
            }
            result.agentID = configuration.agentID
            result.cameras = configuration.cameras.count
            for (i, camera) in configuration.cameras.enumerated() where camera.source.hasPrefix("synthetic:") {
                let name = String(camera.source.dropFirst("synthetic:".count))
                if SceneCatalog.scene(named: name) == nil {
                    result.errors.append("\(ConfigLoader.problem(in: file, at: "cameras[\(i)].source", "unknown synthetic scene '\(name)'; known: \(SceneCatalog.names.joined(separator: ", "))"))")
                }
            }
            if configuration.cameras.isEmpty { result.warnings.append("\(file): no cameras: the agent will only ship what is already spooled") }
            if let shipping = configuration.shipping {
                for (key, path) in [("certificate", shipping.certificate), ("ca", shipping.ca)] {
                    do {
                        let certificate = try PKIDirectory.loadCertificate(path)
                        let remaining = Int64(certificate.notValidAfter.timeIntervalSince1970 * 1000) - nowMs
                        if remaining <= 0 {
                            result.errors.append("\(ConfigLoader.problem(in: file, at: "shipping.tls.\(key)", "\(path) expired on \(certificate.notValidAfter)"))")
                        } else if remaining < 14 * 86_400_000, key == "certificate" {
                            result.warnings.append("\(ConfigLoader.problem(in: file, at: "shipping.tls.\(key)", "\(path) expires in \(remaining / 86_400_000) days"))")
                        }
                    } catch {
                        result.errors.append("\(ConfigLoader.problem(in: file, at: "shipping.tls.\(key)", "\(error)"))")
                    }
                }
                if !FileManager.default.isReadableFile(atPath: shipping.key) {
                    result.errors.append("\(ConfigLoader.problem(in: file, at: "shipping.tls.key", "cannot read \(shipping.key)"))")
                }
            } else {
                result.warnings.append("\(file): no 'shipping' section: `edge-agent run` needs one (detect and cameras test do not)")
            }
            if let problem = Self.directoryProblem(configuration.stateDirectory) {
                // A warning: the technician checking the file is rarely the service's user.
                result.warnings.append("\(ConfigLoader.problem(in: file, at: "state_directory", problem + " (fine if the service's user can)"))")
            }
            result.ok = result.errors.isEmpty
            return result
        }

        /// Nil when the directory exists and is writable, or does not exist but its nearest existing
        /// parent is writable (the agent creates it).
        static func directoryProblem(_ path: String) -> String? {
            var candidate = path
            while !candidate.isEmpty, !FileManager.default.fileExists(atPath: candidate) {
                candidate = (candidate as NSString).deletingLastPathComponent
            }
            if candidate.isEmpty { candidate = "." }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), isDirectory.boolValue else {
                return "\(candidate) is not a directory"
            }
            guard FileManager.default.isWritableFile(atPath: candidate) else {
                return candidate == path ? "\(path) is not writable by this user" : "\(path) does not exist and \(candidate) is not writable by this user"
            }
            return nil
        }
    }
}
