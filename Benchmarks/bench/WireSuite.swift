import ArgumentParser
import Shared

/// `bench wire`: bytes per event and encode/decode rates of the wire format against JSON lines +
/// gzip (the baseline) and the alternatives it was chosen over, for batches of 1 to 1000 events.
struct WireSuite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wire", abstract: "Batch encoding: bytes/event, encode and decode events/s.")

    @OptionGroup var options: SuiteOptions

    func run() throws {
        let batchSizes = [1, 10, 100, 1000]
        // Dictionaries are trained on a different seed than the measured batches.
        let columnarDictionary = try ZstdDictionary(bytes: try Self.trainDictionary { BatchEncoder.protobufBytes(of: $0) })
        let rowDictionary = try ZstdDictionary(bytes: try Self.trainDictionary { try RowLayout.encode($0) })
        let baseline = JSONLinesFormat(compression: .gzip)
        let formats: [any WireFormat] = [
            baseline, JSONLinesFormat(compression: .zstd),
            RowProtobufFormat(dictionary: nil), RowProtobufFormat(dictionary: rowDictionary),
            ColumnarFormat(dictionary: nil), ColumnarFormat(dictionary: columnarDictionary),
        ]
        var results: [BenchResult] = []
        let eventsPerRound = options.quick ? 2_000 : 50_000
        let rounds = options.quick ? 1 : 5
        for size in batchSizes {
            let batches = Self.batches(size: size, totalEvents: max(eventsPerRound, size), seed: 7)
            let totalEvents = batches.reduce(0) { $0 + $1.events.count }
            var baselineFigures: (bytes: Double, encode: Double, decode: Double)?
            for format in formats {
                var bodies: [[UInt8]] = []
                let encodeSeconds = try Stopwatch.best(rounds: rounds) {
                    bodies = try batches.map { try format.encode($0) }
                }
                var decoded = 0
                let decodeSeconds = try Stopwatch.best(rounds: rounds) {
                    decoded = try bodies.reduce(0) { $0 + (try format.decode($1)) }
                }
                guard decoded == totalEvents else {
                    throw ValidationError("\(format.name) decoded \(decoded) of \(totalEvents) events")
                }
                let bytes = Double(bodies.reduce(0) { $0 + $1.count }) / Double(totalEvents)
                let encodeRate = Double(totalEvents) / encodeSeconds
                let decodeRate = Double(totalEvents) / decodeSeconds
                if baselineFigures == nil { baselineFigures = (bytes, encodeRate, decodeRate) }
                let base = baselineFigures!
                let prefix = "\(format.name)/batch=\(size)"
                results.append(.init(suite: "wire", name: "\(prefix)/bytes_per_event", value: bytes, unit: "B/event",
                                     baseline: "jsonl+gzip/batch=\(size)/bytes_per_event", baselineValue: base.bytes))
                results.append(.init(suite: "wire", name: "\(prefix)/encode", value: encodeRate, unit: "events/s",
                                     baseline: "jsonl+gzip/batch=\(size)/encode", baselineValue: base.encode))
                results.append(.init(suite: "wire", name: "\(prefix)/decode", value: decodeRate, unit: "events/s",
                                     baseline: "jsonl+gzip/batch=\(size)/decode", baselineValue: base.decode))
            }
        }
        BenchReport.print(results, json: options.json)
    }

    static func batches(size: Int, totalEvents: Int, seed: UInt64) -> [EventBatch] {
        var configuration = SyntheticEventGenerator.Configuration()
        configuration.seed = seed
        var generator = SyntheticEventGenerator(configuration: configuration)
        return (0..<(totalEvents / size)).map { i in
            EventBatch(
                agentID: configuration.agentID, batchSeq: UInt64(i + 1), createdAtMs: configuration.startTimeMs,
                events: generator.next(count: size), agentVersion: CitywatchVersion.current)
        }
    }

    /// A dictionary trained on batches of mixed sizes from another seed.
    static func trainDictionary(_ encode: (EventBatch) throws -> [UInt8]) throws -> [UInt8] {
        var samples: [[UInt8]] = []
        for (size, count) in [(1, 400), (10, 300), (100, 100)] {
            samples += try batches(size: size, totalEvents: size * count, seed: 99).map(encode)
        }
        return try ZstdDictionaryTrainer.train(samples: samples, capacity: 16 * 1024)
    }
}
