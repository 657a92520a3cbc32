import Foundation
import Shared

/// The dead-letter directory (`<state_directory>/dead-letters`): batches the aggregator refused
/// for good (400, 403, 413, 415), kept as sent (`batch-SEQ.zst`) or, when a batch did not even
/// encode, as JSON lines (`batch-SEQ.zst.jsonl`). `edge-agent spool requeue` puts their events
/// back in the spool once the cause is fixed (e.g. the camera was added to the city model).
struct DeadLetters: Sendable {
    let directory: String

    struct Entry: Codable, Sendable {
        var file: String
        var bytes: Int
        var modifiedMs: Int64
        var events: Int?
        var error: String?

        enum CodingKeys: String, CodingKey { case file, bytes, modifiedMs = "modified_ms", events, error }
    }

    /// Every dead letter, oldest first; each is decoded to count its events (or say why not).
    func list() -> [Entry] {
        return names().compactMap { name -> Entry? in
            let path = directory + "/" + name
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
            let modified = (attributes[.modificationDate] as? Date) ?? .distantPast
            var entry = Entry(
                file: name, bytes: (attributes[.size] as? Int) ?? 0, modifiedMs: Int64(modified.timeIntervalSince1970 * 1000))
            do { entry.events = try events(in: name).count } catch { entry.error = "\(error)" }
            return entry
        }.sorted { ($0.modifiedMs, $0.file) < ($1.modifiedMs, $1.file) }
    }

    /// The dead letters' file names, without decoding them.
    func names() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter(Self.isDeadLetter).sorted() }

    var count: Int { names().count }

    func exists(_ name: String) -> Bool { Self.isDeadLetter(name) && FileManager.default.fileExists(atPath: directory + "/" + name) }

    /// The events of one dead letter.
    func events(in name: String) throws -> [Event] {
        guard Self.isDeadLetter(name) else { throw DeadLetterError.notADeadLetter(name) }
        let path = directory + "/" + name
        guard let data = FileManager.default.contents(atPath: path) else { throw DeadLetterError.missing(name) }
        if name.hasSuffix(".jsonl") {
            return try String(decoding: data, as: UTF8.self).split(separator: "\n").map { try Event.fromJSONLine(String($0)) }
        }
        do { return try BatchDecoder().decode(Array(data)).events } catch { throw DeadLetterError.undecodable(name, "\(error)") }
    }

    func remove(_ name: String) throws {
        guard Self.isDeadLetter(name) else { throw DeadLetterError.notADeadLetter(name) }
        try FileManager.default.removeItem(atPath: directory + "/" + name)
    }

    /// Only plain names the shipper writes: no path separators, no way out of the directory.
    static func isDeadLetter(_ name: String) -> Bool {
        name.hasPrefix("batch-") && (name.hasSuffix(".zst") || name.hasSuffix(".zst.jsonl")) && !name.contains("/")
    }
}

enum DeadLetterError: Error, CustomStringConvertible {
    case notADeadLetter(String)
    case missing(String)
    case undecodable(String, String)

    var description: String {
        switch self {
        case .notADeadLetter(let name): "'\(name)' is not a dead-letter file name (batch-SEQ.zst)"
        case .missing(let name): "no dead letter '\(name)'"
        case .undecodable(let name, let why): "dead letter '\(name)' does not decode: \(why)"
        }
    }
}
