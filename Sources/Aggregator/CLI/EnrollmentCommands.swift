import ArgumentParser
import Foundation
import Shared

/// `aggregator enroll-token create --agent ID [--ttl 24h]`: a one-time token with which that agent
/// gets its certificate (`edge-agent enroll`). Shown once; stored hashed in the operations database.
struct EnrollTokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enroll-token", abstract: "Create one-time enrollment tokens for agents.", subcommands: [Create.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a one-time enrollment token for an agent (printed once).")
        @OptionGroup var options: TokenCommand.Options
        @Option(help: "The agent's id (as in city.yaml).") var agent: String
        @Option(help: "How long the token stays valid (e.g. 30m, 24h, 7d).") var ttl = "24h"

        func run() throws {
            guard (try? AgentIdentity(trustDomain: "x", agentID: agent)) != nil else {
                throw ValidationError("--agent '\(agent)' is not a valid agent id (1-64 of a-z, 0-9, '-', '_', '.')")
            }
            guard let ttlMs = ScenarioDuration.parse(ttl), ttlMs >= 1_000, ttlMs <= 30 * 86_400_000 else {
                throw ValidationError("--ttl must be a duration from 1s to 30d (e.g. 30m, 24h, 7d), not '\(ttl)'")
            }
            let store = try options.store()
            if try store.isRevoked(agent) {
                FileHandle.standardError.write(Data("error: agent '\(agent)' is revoked; `aggregator agent reinstate \(agent)` first\n".utf8))
                throw ExitCode(1)
            }
            let now = TokenCommand.nowMs
            let (id, text) = try store.createEnrollmentToken(agent: agent, expiresMs: now + ttlMs, nowMs: now)
            let expires = EnrollmentRefusal.time(now + ttlMs)
            if options.json {
                print(APIJSON.string(["id": id, "agent_id": agent, "token": text, "expires": expires]))
            } else {
                print(text)
                FileHandle.standardError.write(Data("enrollment token \(id) for agent \(agent), one use, until \(expires)\n".utf8))
            }
        }
    }
}

/// `aggregator agent revoke|reinstate|revoked`: refuse an agent at once (its next batch or
/// renewal), or lift that.
struct AgentRevocationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent", abstract: "Revoke or reinstate an agent.", subcommands: [Revoke.self, Reinstate.self, Revoked.self])

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Refuse the agent's batches and renewals from now on.")
        @OptionGroup var options: TokenCommand.Options
        @Argument(help: "The agent's id.") var agent: String
        @Option(help: "Why (kept with the revocation).") var reason = "revoked by an operator"

        func run() throws {
            let revoked = try options.store().revokeAgent(agent, reason: reason, nowMs: TokenCommand.nowMs)
            print(revoked ? "agent \(agent) revoked: the aggregator refuses its batches within a second, its renewals at once" : "agent \(agent) was already revoked")
        }
    }

    struct Reinstate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lift a revocation.")
        @OptionGroup var options: TokenCommand.Options
        @Argument(help: "The agent's id.") var agent: String

        func run() throws {
            let lifted = try options.store().reinstateAgent(agent)
            print(lifted ? "agent \(agent) reinstated" : "agent \(agent) was not revoked")
            if !lifted { throw ExitCode(1) }
        }
    }

    struct Revoked: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List revoked agents.")
        @OptionGroup var options: TokenCommand.Options

        func run() throws {
            let list = try options.store().revokedAgents()
            if options.json {
                for r in list { print(APIJSON.string(["agent_id": r.agent, "revoked": EnrollmentRefusal.time(r.revokedMs), "reason": r.reason])) }
                return
            }
            print(TextTable.render(["AGENT", "REVOKED", "REASON"], list.map { [$0.agent, EnrollmentRefusal.time($0.revokedMs), $0.reason] }))
        }
    }
}
