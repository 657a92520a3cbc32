import ArgumentParser
import Foundation
import Shared

/// `edge-agent synth`: prints a seeded synthetic event stream as JSON lines (the wire schema), or
/// writes encoded batches, for demos, fixtures and dictionary training.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Print synthetic events as JSON lines, or write them as encoded batches.")

    @Option(help: "Number of events.") var count = 20
    @Option(help: "Random seed; the same seed gives the same events.") var seed: UInt64 = 42
    @Option(help: "Agent id the events belong to.") var agentID = "agent-river-north"
    @Option(help: "Cameras behind the agent.") var cameras = 8
    @Option(help: "Write batches of this many events as raw protobuf files (dictionary samples) into --out.")
    var batchSize: Int?
    @Option(help: "Directory for --batch-size output.") var out: String?
    @Flag(help: "With --batch-size: write zstd-compressed request bodies (.zst) instead of raw protobuf (.pb).")
    var compress = false

    func validate() throws {
        guard count > 0, count <= 10_000_000 else { throw ValidationError("--count must be 1...10000000") }
        guard cameras > 0, cameras <= 1000 else { throw ValidationError("--cameras must be 1...1000") }
        if batchSize != nil, out == nil { throw ValidationError("--batch-size needs --out DIR") }
        if let batchSize, batchSize < 1 || batchSize > 10_000 { throw ValidationError("--batch-size must be 1...10000") }
    }

    func run() throws {
        var configuration = SyntheticEventGenerator.Configuration()
        configuration.seed = seed
        configuration.agentID = agentID
        configuration.cameras = cameras
        var generator = SyntheticEventGenerator(configuration: configuration)
        if let batchSize, let out {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let encoder = BatchEncoder()
            var seq: UInt64 = 0
            var remaining = count
            while remaining > 0 {
                seq += 1
                let events = generator.next(count: min(batchSize, remaining))
                remaining -= events.count
                let batch = EventBatch(agentID: agentID, batchSeq: seq, events: events)
                let bytes = compress ? try encoder.encode(batch) : BatchEncoder.protobufBytes(of: batch)
                let path = "\(out)/batch-\(seq).\(compress ? "zst" : "pb")"
                guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
                    throw ValidationError("cannot write \(path)")
                }
            }
            print("wrote \(seq) batches to \(out)")
            return
        }
        for event in generator.next(count: count) { print(try event.jsonLine()) }
    }
}
