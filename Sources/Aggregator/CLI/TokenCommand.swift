import ArgumentParser
import Foundation
import Shared

/// `aggregator token create|list|revoke`: operators' API tokens, in the operations database the
/// configuration names (works beside a running server: SQLite WAL).
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Create, list and revoke API tokens.", subcommands: [Create.self, List.self, Revoke.self])

    struct Options: ParsableArguments {
        @Option(help: "The aggregator's configuration (its scenarios.database holds the tokens).") var config: String
        @Flag(help: "Print JSON.") var json = false

        func store() throws -> ActionStore {
            let configuration: AggregatorConfiguration
            do { configuration = try AggregatorConfiguration.load(path: config) } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                throw ExitCode(78)
            }
            do { return try ActionStore(path: configuration.scenarios.database) } catch {
                FileHandle.standardError.write(Data("error: opening \(configuration.scenarios.database): \(error)\n".utf8))
                throw ExitCode(69)
            }
        }
    }

    static var nowMs: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token; it is shown once and stored hashed.")
        @OptionGroup var options: Options
        @Option(help: "viewer, operator or admin.") var role: String
        @Option(help: "Who or what holds it (shown in lists).") var name: String

        func run() throws {
            guard let role = APIToken.Role(rawValue: role) else { throw ValidationError("--role must be viewer, operator or admin") }
            guard !name.isEmpty, name.utf8.count <= 100 else { throw ValidationError("--name must be 1 to 100 bytes") }
            let (token, text) = try options.store().createToken(name: name, role: role, nowMs: TokenCommand.nowMs)
            if options.json {
                print(APIJSON.string(["id": token.id, "name": token.name, "role": token.role.rawValue, "token": text]))
            } else {
                print(text)
                FileHandle.standardError.write(Data("token \(token.id) (\(token.role.rawValue), \(token.name)): shown once, keep it safe\n".utf8))
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (ids, names, roles; never secrets).")
        @OptionGroup var options: Options

        func run() throws {
            let tokens = try options.store().tokens()
            if options.json {
                for t in tokens { print(APIJSON.string(t)) }
                return
            }
            print("id            role      state    name")
            for t in tokens {
                print("\(t.id)  \(t.role.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))  \(t.revokedMs == nil ? "active " : "revoked")  \(t.name)")
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token; the API refuses it from the next request on.")
        @OptionGroup var options: Options
        @Argument(help: "The token's id (from `token list`).") var id: String

        func run() throws {
            guard try options.store().revokeToken(id: id, nowMs: TokenCommand.nowMs) else {
                FileHandle.standardError.write(Data("error: no active token with id \(id)\n".utf8))
                throw ExitCode(1)
            }
            print(options.json ? APIJSON.string(["id": id, "revoked": "true"]) : "token \(id) revoked")
        }
    }
}
