import ArgumentParser
import Foundation

/// Options every admin command shares: which agent (socket or config) and the output form.
struct AdminOptions: ParsableArguments {
    @Option(help: "The agent's admin socket (default: from --config, else \(AdminSocket.defaultPath)).") var socket: String?
    @Option(help: "The agent's configuration file, to find its admin socket.") var config: String?
    @Flag(help: "Print JSON instead of a table.") var json = false

    static let defaultConfig = "/etc/citywatch/edge-agent.yaml"

    /// --socket; else the socket of --config (or of the packaged config when readable); else the
    /// packaged unit's socket.
    func socketPath() throws -> String {
        if let socket { return socket }
        if let path = config ?? (FileManager.default.isReadableFile(atPath: Self.defaultConfig) ? Self.defaultConfig : nil) {
            let configuration: AgentConfiguration
            do { configuration = try AgentConfiguration.load(path: path) } catch {
                throw CLIFailure(message: "\(error)", code: 78)
            }
            return AdminSocket.daemonPath(configured: configuration.adminSocket, stateDirectory: configuration.stateDirectory, environment: [:])
        }
        return AdminSocket.defaultPath
    }

    var client: AdminClient { get throws { AdminClient(socketPath: try socketPath()) } }

    /// Runs `body`, turning the client's errors into a message on standard error and an exit code.
    func run(_ body: (AdminClient) async throws -> Void) async throws {
        do {
            try await body(try client)
        } catch let error as AdminClientError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(error.exitCode)
        } catch let error as CLIFailure {
            FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
            throw ExitCode(error.code)
        }
    }

    static func printJSON(_ bytes: [UInt8]) {
        // Re-indented for people; `--json` output stays one document.
        if let object = try? JSONSerialization.jsonObject(with: Data(bytes)),
            let pretty = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        {
            print(String(decoding: pretty, as: UTF8.self))
        } else {
            print(String(decoding: bytes, as: UTF8.self))
        }
    }
}

/// A command-line failure with its message and sysexits code.
struct CLIFailure: Error {
    var message: String
    var code: Int32 = 1
}
