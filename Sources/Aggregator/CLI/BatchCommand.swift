import ArgumentParser
import Foundation
import Shared

/// `aggregator batch inspect`: decodes request bodies (e.g. an agent's dead letters) with the same
/// decoder and limits as ingest, and says what is in them or exactly why they are refused.
struct BatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch", abstract: "Inspect batch bodies.", subcommands: [Inspect.self])

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode batch files (zstd bodies or raw protobuf) and summarise them; exit 1 if any is refused.")

        @Option(help: "A zstd dictionary the bodies may use (repeatable).") var dictionary: [String] = []
        @Flag(help: "Also print every event as a JSON line.") var events = false
        @Flag(help: "Print one JSON object per file.") var json = false
        @Argument(help: "Batch files.") var files: [String]

        func run() throws {
            let dictionaries = try dictionary.map { try ZstdDictionary(contentsOfFile: $0) }
            let decoder = BatchDecoder(dictionaries: dictionaries)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            var refused = 0
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
                let bytes = [UInt8](data)
                let compressed = bytes.starts(with: [0x28, 0xB5, 0x2F, 0xFD])
                let summary: InspectSummary
                var decoded: EventBatch?
                do {
                    let batch = compressed ? try decoder.decode(bytes) : try decoder.decodeProtobuf(bytes)
                    decoded = batch
                    summary = InspectSummary(file: file, bytes: bytes.count, compressed: compressed, batch: batch)
                } catch {
                    refused += 1
                    summary = InspectSummary(file: file, bytes: bytes.count, compressed: compressed, error: error)
                }
                if json {
                    print(String(decoding: try encoder.encode(summary), as: UTF8.self))
                } else {
                    print(summary.text)
                }
                if events, let decoded {
                    for event in decoded.events { print(try event.jsonLine()) }
                }
            }
            if refused > 0 { throw ExitCode(1) }
        }
    }
}

struct InspectSummary: Encodable {
    var file: String
    var bytes: Int
    var compressed: Bool
    var agentID: String?
    var batchSeq: UInt64?
    var dictionaryID: UInt32?
    var eventCount: Int?
    var bytesPerEvent: Double?
    var kinds: [String: Int]?
    var evictedEvents: UInt64?
    var httpStatus: Int?
    var error: String?
    var field: String?

    enum CodingKeys: String, CodingKey {
        case file, bytes, compressed, agentID = "agent_id", batchSeq = "batch_seq", dictionaryID = "dictionary_id"
        case eventCount = "events", bytesPerEvent = "bytes_per_event", kinds, evictedEvents = "evicted_events"
        case httpStatus = "http_status", error, field
    }

    init(file: String, bytes: Int, compressed: Bool, batch: EventBatch) {
        self.file = file
        self.bytes = bytes
        self.compressed = compressed
        agentID = batch.agentID
        batchSeq = batch.batchSeq
        dictionaryID = batch.dictionaryID
        eventCount = batch.events.count
        bytesPerEvent = batch.events.isEmpty ? nil : Double(bytes) / Double(batch.events.count)
        kinds = Dictionary(batch.events.map { ($0.kind.rawValue, 1) }, uniquingKeysWith: +)
        evictedEvents = batch.evicted.events
    }

    init(file: String, bytes: Int, compressed: Bool, error: any Error) {
        self.file = file
        self.bytes = bytes
        self.compressed = compressed
        let batchError = error as? BatchError
        httpStatus = batchError?.httpStatus ?? 400
        self.error = batchError?.description ?? "\(error)"
        field = batchError?.field
    }

    var text: String {
        if let error { return "\(file): refused (HTTP \(httpStatus ?? 400)): \(error)" }
        let kindList = (kinds ?? [:]).sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
            .map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let perEvent = bytesPerEvent.map { String(format: ", %.1f B/event", $0) } ?? ""
        return "\(file): agent \(agentID ?? "?") seq \(batchSeq ?? 0), \(eventCount ?? 0) events, \(bytes) bytes"
            + "\(compressed ? " zstd" : " protobuf")\(perEvent); \(kindList)"
            + ((evictedEvents ?? 0) > 0 ? "; \(evictedEvents!) evicted" : "")
    }
}
