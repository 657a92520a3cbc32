import ArgumentParser
import Shared

/// `aggregator`: the central service. Subcommands grow with it (serve, scenarios, tokens come with
/// their issues).
public struct AggregatorCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "aggregator",
        abstract: "citywatch aggregator: stores events from the fleet, fuses them and runs city-wide scenarios.",
        version: CitywatchVersion.current,
        subcommands: [ServeCommand.self, ScenariosCommand.self, TokenCommand.self, EnrollTokenCommand.self, AgentRevocationCommand.self, EventsCommand.self, IncidentsCommand.self, AgentsCommand.self, ActivationsCommand.self, PKICommand.self, DictionaryCommand.self, BatchCommand.self]
    )

    public init() {}

    /// The executable's entry point (Sources/Aggregator/Main).
    public static func runMain() async {
        await main()
    }
}
