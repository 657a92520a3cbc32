import ArgumentParser
import Foundation
import NIOHTTP1
import Shared

/// `edge-agent spool stats|dead-letters|requeue`: the running agent's spool and dead letters.
struct SpoolCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spool", abstract: "Inspect the spool and dead letters; put dead letters back in the spool.",
        subcommands: [Stats.self, DeadLettersList.self, Requeue.self])

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Spool size, backlog, oldest event, evictions.")
        @OptionGroup var admin: AdminOptions

        func run() async throws {
            try await admin.run { client in
                let bytes = try await client.request("/v1/spool")
                if admin.json { return AdminOptions.printJSON(bytes) }
                let s = try JSONDecoder().decode(SpoolStatus.self, from: Data(bytes))
                print(TextTable.render(["FIELD", "VALUE"], [
                    ["size", "\(HumanFormat.bytes(s.bytes)) of \(HumanFormat.bytes(s.maxBytes)) (\(s.segments) segments)"],
                    ["backlog", HumanFormat.bytes(s.backlogBytes)],
                    ["oldest unsent event", HumanFormat.age(ms: s.oldestEventAgeMs)],
                    ["evicted events", "\(s.evictedEvents) (\(s.unreportedEvictedEvents) not yet reported)"],
                    ["evicted while in flight", "\(s.inFlightEvictedEvents) (held by the shipper until acked)"],
                    ["corrupt records skipped", "\(s.corruptRecords)"],
                    ["dead letters", "\(s.deadLetters)"],
                ]))
            }
        }
    }

    struct DeadLettersList: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "dead-letters", abstract: "List batches the aggregator refused for good.")
        @OptionGroup var admin: AdminOptions

        func run() async throws {
            try await admin.run { client in
                let bytes = try await client.request("/v1/dead-letters")
                if admin.json { return AdminOptions.printJSON(bytes) }
                let entries = try JSONDecoder().decode([DeadLetters.Entry].self, from: Data(bytes))
                guard !entries.isEmpty else { return print("no dead letters") }
                print(TextTable.render(["FILE", "EVENTS", "SIZE", "SINCE", "PROBLEM"], entries.map {
                    [$0.file, $0.events.map(String.init) ?? "-", HumanFormat.bytes($0.bytes), HumanFormat.time(ms: $0.modifiedMs), $0.error ?? ""]
                }))
                print("the aggregator's reason is in the agent's log (\"batch refused permanently\"); fix it, then `edge-agent spool requeue FILE`")
            }
        }
    }

    struct Requeue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put dead letters' events back in the spool to be sent again.")
        @Argument(help: "Dead-letter files (as listed by dead-letters).") var files: [String] = []
        @Flag(help: "Requeue every dead letter.") var all = false
        @OptionGroup var admin: AdminOptions

        func validate() throws {
            guard all != !files.isEmpty else { throw ValidationError("name dead-letter files or give --all (not both)") }
        }

        struct Result: Codable {
            var requeued: [String]
            var events: Int
            var failed: [String: String]
        }

        func run() async throws {
            try await admin.run { client in
                var total = Result(requeued: [], events: 0, failed: [:])
                let queries = all ? ["all=true"] : files.map { "file=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(["-", ".", "_"])) ?? $0)" }
                for query in queries {
                    let r = try JSONDecoder().decode(Result.self, from: Data(try await client.request("/v1/dead-letters/requeue?\(query)", method: .POST)))
                    total.requeued += r.requeued
                    total.events += r.events
                    total.failed.merge(r.failed) { $1 }
                }
                if admin.json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys]
                    print(String(decoding: try encoder.encode(total), as: UTF8.self))
                } else {
                    print("requeued \(total.requeued.count) dead letters (\(total.events) events)")
                    for (file, why) in total.failed.sorted(by: { $0.key < $1.key }) { print("not requeued: \(file): \(why)") }
                }
                if !total.failed.isEmpty { throw ExitCode(1) }
            }
        }
    }
}
