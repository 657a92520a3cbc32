import ArgumentParser

/// `bench`: every performance figure citywatch claims, one subcommand per suite. Build in release:
/// `swift run -c release bench wire [--json]`.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "citywatch benchmarks. Each suite prints a table, or JSON lines with --json.",
        subcommands: [WireSuite.self, VisionSuite.self, IngestSuite.self, SpoolSuite.self, DrainSuite.self, ScenarioSuite.self, DetectorSuite.self]
    )
}

/// Options every suite shares.
struct SuiteOptions: ParsableArguments {
    @Flag(help: "Print one JSON object per line instead of a table.") var json = false
    @Flag(help: "A short run (fewer repetitions) for smoke tests; figures are noisier.") var quick = false
}
