import ArgumentParser
import Shared

/// `aggregator`: the central service. Subcommands grow with it (serve, scenarios, tokens come with
/// their issues).
@main
struct AggregatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aggregator",
        abstract: "citywatch aggregator: stores events from the fleet, fuses them and runs city-wide scenarios.",
        version: CitywatchVersion.current,
        subcommands: [PKICommand.self, DictionaryCommand.self, BatchCommand.self]
    )
}
