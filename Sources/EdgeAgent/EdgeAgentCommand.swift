import ArgumentParser
import Shared

/// `edge-agent`: the process beside the cameras. Subcommands grow with the agent (capture,
/// detection, spool and shipping come with their issues).
public struct EdgeAgentCommand: AsyncParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        commandName: "edge-agent",
        abstract: "citywatch edge agent: turns camera streams into events and ships them to the aggregator.",
        version: CitywatchVersion.current,
        subcommands: [
            RunCommand.self, StatusCommand.self, CamerasCommand.self, SnapshotCommand.self, EventsCommand.self, SpoolCommand.self,
            ConfigCommand.self, DiagCommand.self, EnrollCommand.self, DetectCommand.self, SynthCommand.self,
        ]
    )

    /// The executable's entry point (Sources/EdgeAgent/Main).
    public static func runMain() async {
        await main()
    }
}
