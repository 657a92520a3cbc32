import ArgumentParser
import Foundation
import Shared

/// `edge-agent events tail [--follow]`: the running agent's latest events.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Show the running agent's events.", subcommands: [Tail.self])

    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the latest events; with --follow, keep printing new ones.")

        @Option(name: [.customShort("n"), .long], help: "How many recent events to print first (0...512).") var lines = 20
        @Flag(name: .shortAndLong, help: "Keep printing new events until interrupted.") var follow = false
        @OptionGroup var admin: AdminOptions

        func validate() throws {
            guard (0...AgentStatusBoard.recentEventCapacity).contains(lines) else { throw ValidationError("--lines must be 0...512") }
        }

        func run() async throws {
            try await admin.run { client in
                var pending: [UInt8] = []
                try await client.stream("/v1/events?limit=\(lines)&follow=\(follow)") { chunk in
                    pending += chunk
                    while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                        let line = String(decoding: pending[..<newline], as: UTF8.self)
                        pending.removeSubrange(...newline)
                        guard !line.isEmpty else { continue }  // keep-alive
                        // Written at once, not buffered: a technician watches this live.
                        if admin.json {
                            FileHandle.standardOutput.write(Data((line + "\n").utf8))
                        } else if let event = try? Event.fromJSONLine(line) {
                            FileHandle.standardOutput.write(Data((Self.render(event) + "\n").utf8))
                        }
                    }
                }
            }
        }

        static func render(_ e: Event) -> String {
            let time = HumanFormat.time(ms: e.captureTimeMs)
            var text = "\(time)  \(e.cameraID)  \(e.kind.rawValue) \(e.phase.rawValue)  \(e.severity.rawValue)"
            if e.trackID != 0 { text += "  track=\(e.trackID)" }
            if let zone = e.zone { text += "  zone=\(zone)" }
            let attributes = e.attributes.jsonObject()
            if attributes != "{}" { text += "  \(attributes)" }
            return text
        }
    }
}
