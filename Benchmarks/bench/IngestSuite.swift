import Aggregator
import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Shared
import TestSupport

/// `bench ingest`: events/s through a real `aggregator serve` process on loopback — mutual TLS,
/// zstd, decode, ownership checks, deduplication, durable commit, ack — with 1, 8 and 64
/// agents each sending one batch at a time, for SQLite and PostgreSQL (a server the bench starts
/// in a temporary directory). Beside each: the same rows committed straight into the same store
/// in-process (no HTTP, TLS or decoding), that store's ceiling, measured in the same run.
struct IngestSuite: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest", abstract: "Aggregator ingest: events/s and ack latency, SQLite and PostgreSQL.")

    @OptionGroup var options: SuiteOptions
    @Option(help: "Stores to measure (comma-separated: sqlite, postgres).") var stores = "sqlite,postgres"
    @Option(help: "Events per batch.") var batchEvents = 1_000

    func run() async throws {
        let totalEvents = options.quick ? 40_000 : 400_000
        var results: [BenchResult] = []
        let world = try IngestBenchWorld(agents: 64)
        defer { world.cleanUp() }
        let postgres = stores.contains("postgres") ? try PostgresServer.start() : nil
        defer { try? postgres?.stop() }

        for store in stores.split(separator: ",").map(String.init) {
            var ceiling: Double?
            var sustained: Double?
            for agents in [1, 8, 64] {
                let batches = world.batches(agents: agents, totalEvents: totalEvents, batchEvents: batchEvents)
                let target = try IngestBenchWorld.Target(store, directory: world.directory, postgres: postgres)
                if ceiling == nil {
                    let ceilingTarget = try IngestBenchWorld.Target(store, directory: world.directory, postgres: postgres)
                    let rates = try await world.storeCeiling(ceilingTarget, batches: batches)
                    ceiling = rates.commit
                    sustained = rates.sustained
                    results.append(.init(suite: "ingest", name: "\(store)/store_commit_ceiling/events_per_s", value: rates.commit, unit: "events/s"))
                    if let index = rates.index {
                        results.append(.init(suite: "ingest", name: "\(store)/store_index_rate/events_per_s", value: index, unit: "events/s"))
                    }
                    results.append(.init(suite: "ingest", name: "\(store)/store_sustained/events_per_s", value: rates.sustained, unit: "events/s"))
                }
                let run = try await world.endToEnd(target, batches: batches)
                results.append(.init(
                    suite: "ingest", name: "\(store)/agents_\(agents)/events_per_s", value: run.eventsPerSecond, unit: "events/s",
                    baseline: "\(store)/store_commit_ceiling/events_per_s", baselineValue: ceiling))
                results.append(.init(
                    suite: "ingest", name: "\(store)/agents_\(agents)/indexed_events_per_s", value: run.indexedEventsPerSecond, unit: "events/s",
                    baseline: "\(store)/store_sustained/events_per_s", baselineValue: sustained))
                results.append(.init(suite: "ingest", name: "\(store)/agents_\(agents)/ack_p50", value: run.p50 * 1000, unit: "ms"))
                results.append(.init(suite: "ingest", name: "\(store)/agents_\(agents)/ack_p99", value: run.p99 * 1000, unit: "ms"))
                if !options.json {
                    FileHandle.standardError.write(Data("\(store) agents=\(agents): \(Int(run.eventsPerSecond)) events/s\n".utf8))
                }
            }
        }
        BenchReport.print(results, json: options.json)
    }
}
