import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Shared

/// Options of the ops commands that talk to a running aggregator's API.
struct APIClientOptions: ParsableArguments {
    @Option(help: "The API's base URL (default $CITYWATCH_API, else http://127.0.0.1:8444).") var api: String?
    @Option(help: "A bearer token (default $CITYWATCH_TOKEN).") var token: String?
    @Flag(help: "Print the API's JSON (one object per line for lists).") var json = false

    /// GET or POST `path` (with its query); the decoded JSON object. API errors print their code
    /// and message and exit 1; an unreachable API exits 69.
    func call(_ path: String, method: HTTPMethod = .GET) async throws -> [String: Any] {
        let environment = ProcessInfo.processInfo.environment
        let base = api ?? environment["CITYWATCH_API"] ?? "http://127.0.0.1:8444"
        guard let token = token ?? environment["CITYWATCH_TOKEN"] else {
            throw ValidationError("a token is needed: --token or $CITYWATCH_TOKEN (aggregator token create)")
        }
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let status: Int
        let body: ByteBuffer
        // An interactive tool: an aggregator that does not answer is reported within seconds.
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(3)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            status = Int(response.status.code)
            body = try await response.body.collect(upTo: 32 << 20)
            try? await client.shutdown()
        } catch {
            try? await client.shutdown()
            FileHandle.standardError.write(Data("error: cannot reach the API at \(base): \(error)\n".utf8))
            throw ExitCode(69)
        }
        let object = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
        guard (200..<300).contains(status) else {
            let error = object["error"] as? [String: Any]
            FileHandle.standardError.write(Data("error: HTTP \(status) \(error?["code"] as? String ?? ""): \(error?["message"] as? String ?? "")\n".utf8))
            for detail in error?["errors"] as? [String] ?? [] { FileHandle.standardError.write(Data("  \(detail)\n".utf8)) }
            throw ExitCode(1)
        }
        return object
    }

    /// Lists: JSON lines, or a table of the given columns (key paths into each item).
    func printList(_ object: [String: Any], columns: [(String, (([String: Any]) -> String))]) throws {
        let items = object["items"] as? [[String: Any]] ?? []
        if json {
            for item in items { print(String(decoding: try JSONSerialization.data(withJSONObject: item, options: [.sortedKeys]), as: UTF8.self)) }
            return
        }
        print(TextTable.render(columns.map(\.0), items.map { item in columns.map { $0.1(item) } }))
        if let next = object["next_cursor"] as? String { print("(more: --cursor \(next))") }
    }

    static func time(_ value: Any?) -> String {
        guard let ms = value as? Int else { return "" }
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    static func query(_ pairs: [(String, String?)]) -> String {
        let parts = pairs.compactMap { name, value in
            value.map { "\(name)=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? $0)" }
        }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }
}

/// `aggregator events`: stored events from a running aggregator.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "events", abstract: "List stored events (newest first) through the API.")
    @OptionGroup var client: APIClientOptions
    @Option var district: String?
    @Option var camera: String?
    @Option var kind: String?
    @Option(name: .customLong("min-severity")) var minSeverity: String?
    @Option(help: "ms since the epoch or ISO-8601.") var from: String?
    @Option var to: String?
    @Option var limit: Int?
    @Option(help: "Continue from a previous page.") var cursor: String?

    func run() async throws {
        let object = try await client.call("/v1/events" + APIClientOptions.query([
            ("district", district), ("camera", camera), ("kind", kind), ("min_severity", minSeverity), ("from", from), ("to", to),
            ("limit", limit.map(String.init)), ("cursor", cursor),
        ]))
        try client.printList(object, columns: [
            ("time", { APIClientOptions.time(($0["event"] as? [String: Any])?["capture_time_ms"]) }),
            ("district", { $0["district"] as? String ?? "" }),
            ("camera", { ($0["event"] as? [String: Any])?["camera_id"] as? String ?? "" }),
            ("kind", { ($0["event"] as? [String: Any])?["kind"] as? String ?? "" }),
            ("phase", { ($0["event"] as? [String: Any])?["phase"] as? String ?? "" }),
            ("severity", { ($0["event"] as? [String: Any])?["severity"] as? String ?? "" }),
        ])
    }
}

/// `aggregator incidents [list|ack|resolve]`.
struct IncidentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incidents", abstract: "List, acknowledge and resolve incidents through the API.",
        subcommands: [List.self, Acknowledge.self, Resolve.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        @OptionGroup var client: APIClientOptions
        @Option(help: "open, acknowledged or resolved.") var status: String?
        @Option var limit: Int?

        func run() async throws {
            let object = try await client.call("/v1/incidents" + APIClientOptions.query([("status", status), ("limit", limit.map(String.init))]))
            try client.printList(object, columns: [
                ("id", { $0["id"] as? String ?? "" }), ("type", { $0["type"] as? String ?? "" }), ("status", { $0["status"] as? String ?? "" }),
                ("severity", { $0["severity"] as? String ?? "" }), ("last", { APIClientOptions.time($0["last_ms"]) }),
                ("events", { "\($0["event_count"] as? Int ?? 0)" }),
                ("districts", { ($0["districts"] as? [String] ?? []).joined(separator: ",") }),
            ])
        }
    }

    struct Acknowledge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ack")
        @OptionGroup var client: APIClientOptions
        @Argument var id: String
        func run() async throws { try await IncidentsCommand.change(id, "acknowledge", client) }
    }

    struct Resolve: AsyncParsableCommand {
        @OptionGroup var client: APIClientOptions
        @Argument var id: String
        func run() async throws { try await IncidentsCommand.change(id, "resolve", client) }
    }

    static func change(_ id: String, _ verb: String, _ client: APIClientOptions) async throws {
        let path = "/v1/incidents/\(id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? id)/\(verb)"
        let incident = try await client.call(path, method: .POST)
        if client.json {
            print(String(decoding: try JSONSerialization.data(withJSONObject: incident, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print("incident \(id): \(incident["status"] as? String ?? "?")")
        }
    }
}

/// `aggregator agents`: the fleet.
struct AgentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "agents", abstract: "The fleet: agents, last seen, counters, cameras.")
    @OptionGroup var client: APIClientOptions

    func run() async throws {
        try client.printList(try await client.call("/v1/fleet"), columns: [
            ("agent", { $0["agent_id"] as? String ?? "" }),
            ("last seen", { APIClientOptions.time(($0["store"] as? [String: Any])?["last_seen_ms"]) }),
            ("version", { ($0["store"] as? [String: Any])?["agent_version"] as? String ?? "" }),
            ("events", { "\(($0["store"] as? [String: Any])?["events"] as? Int ?? 0)" }),
            ("evicted", { "\(($0["store"] as? [String: Any])?["evicted_events"] as? Int ?? 0)" }),
            ("cameras", { item in
                guard let h = item["health"] as? [String: Any] else { return "\((item["cameras"] as? [[String: Any]])?.count ?? 0)" }
                let tampered = h["tampered_cameras"] as? [String] ?? []
                return "\(h["cameras_online"] as? Int ?? 0)/\(h["cameras"] as? Int ?? 0) live" + (tampered.isEmpty ? "" : ", tamper: " + tampered.joined(separator: " "))
            }),
            ("backlog", { item in
                guard let h = item["health"] as? [String: Any] else { return "" }
                return String(format: "%.1f MiB", Double(h["spool_backlog_bytes"] as? Int ?? 0) / 1_048_576)
                    + ((h["oldest_event_age_ms"] as? Int).map { ", oldest \($0 / 1000) s" } ?? "")
            }),
            ("skew", { (($0["health"] as? [String: Any])?["clock_skew_ms"] as? Int).map { "\($0) ms" } ?? "" }),
            ("cert expires", { APIClientOptions.time(($0["health"] as? [String: Any])?["certificate_not_after_ms"]) }),
        ])
    }
}

/// `aggregator activations`: what the scenarios fired.
struct ActivationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "activations", abstract: "Scenario activations, newest first.")
    @OptionGroup var client: APIClientOptions
    @Option var scenario: String?
    @Option var limit: Int?

    func run() async throws {
        try client.printList(try await client.call("/v1/activations" + APIClientOptions.query([("scenario", scenario), ("limit", limit.map(String.init))])), columns: [
            ("time", { APIClientOptions.time($0["time_ms"]) }), ("scenario", { $0["scenario_id"] as? String ?? "" }),
            ("severity", { $0["severity"] as? String ?? "" }), ("summary", { $0["summary"] as? String ?? "" }),
        ])
    }
}

/// `aggregator scenarios list|reload` against a running aggregator (check/test/backtest work on files).
struct ScenariosListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The running scenario set, through the API.")
    @OptionGroup var client: APIClientOptions

    func run() async throws {
        try client.printList(try await client.call("/v1/scenarios"), columns: [
            ("id", { $0["id"] as? String ?? "" }), ("domain", { $0["domain"] as? String ?? "" }),
            ("severity", { $0["severity"] as? String ?? "" }), ("enabled", { ($0["enabled"] as? Bool ?? false) ? "yes" : "no" }),
            ("title", { $0["title"] as? String ?? "" }),
        ])
    }
}

struct ScenariosReloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload", abstract: "Ask a running aggregator to re-read its scenario directory (admin token); errors name file:line.")
    @OptionGroup var client: APIClientOptions

    func run() async throws {
        let reply = try await client.call("/v1/scenarios/reload", method: .POST)
        print(client.json ? String(decoding: try JSONSerialization.data(withJSONObject: reply, options: [.sortedKeys]), as: UTF8.self) : "reloaded: \(reply["scenarios"] as? Int ?? 0) scenarios")
    }
}
