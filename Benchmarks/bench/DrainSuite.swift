import Aggregator
import ArgumentParser
import EdgeAgent
import Foundation
import GRDB
import Logging
import Shared
import TestSupport

/// `bench drain`: how fast a real `edge-agent run` empties a spool backlog (an outage's worth of
/// events) into a local `aggregator serve` on SQLite, over mutual TLS on loopback; the store is
/// checked to hold exactly the backlog afterwards. Beside it, the same store's in-process commit
/// ceiling for the same events, measured in the same run.
struct DrainSuite: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "drain", abstract: "Spool backlog drain rate into a local aggregator.")

    @OptionGroup var options: SuiteOptions

    func run() async throws {
        let count = options.quick ? 50_000 : 300_000
        let world = try IngestBenchWorld(agents: 1)
        defer { world.cleanUp() }
        let agent = world.agentIDs[0]
        var configuration = SyntheticEventGenerator.Configuration()
        configuration.agentID = agent
        configuration.startTimeMs = Int64(Date().timeIntervalSince1970 * 1000) - 3_600_000
        var generator = SyntheticEventGenerator(configuration: configuration)
        let events = generator.next(count: count)

        // The backlog, as the agent left it after an outage.
        let state = world.directory.appendingPathComponent("agent-state")
        do {
            var settings = SpoolSettings()
            settings.maxBytes = 4 << 30
            let spool = try Spool(storage: PosixSpoolStorage(directory: state.appendingPathComponent("spool").path), settings: settings, logger: Logger(label: "bench"))
            for chunk in stride(from: 0, to: count, by: 10_000) {
                try spool.append(Array(events[chunk..<min(count, chunk + 10_000)]))
                try spool.sync()
            }
        }
        let ceilingTarget = try IngestBenchWorld.Target("sqlite", directory: world.directory, postgres: nil)
        let batches = [stride(from: 0, to: count, by: 1_000).map { start in
            IngestBenchWorld.Batch(agent: agent, events: Array(events[start..<min(count, start + 1_000)]), body: [])
        }]
        let rates = try await world.storeCeiling(ceilingTarget, batches: batches)
        let ceiling = rates.commit

        let target = try IngestBenchWorld.Target("sqlite", directory: world.directory, postgres: nil)
        guard case .sqlite(let databasePath) = target else { return }
        let (server, port) = try await world.startAggregator(target)
        let config = world.directory.appendingPathComponent("agent.yaml").path
        try """
            agent_id: \(agent)
            state_directory: \(state.path)
            spool: {max_bytes: \(4 << 30)}
            metrics: {port: 0}
            shipping:
              endpoints: [https://127.0.0.1:\(port)]
              tls: {certificate: \(world.pki.directory.agentCertificatePath(agent)), key: \(world.pki.directory.agentKeyPath(agent)), ca: \(world.pki.directory.caCertificatePath)}
              batch_max_events: 1000
              max_in_flight: 8
            cameras: []
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let clock = ContinuousClock()
        let started = clock.now
        let shipper = try RunningProcess(path: IngestBenchWorld.product("edge-agent"), ["run", "--config", config, "--log-level", "warning"])
        let store = try SQLiteEventStore(path: databasePath, readOnly: true)
        var stored = 0
        while stored < count, clock.now - started < .seconds(600) {
            try await Task.sleep(for: .milliseconds(50))
            stored = (try? await store.eventCount()) ?? stored
        }
        let seconds = (clock.now - started).seconds
        // CPU each process used until the backlog was stored (the aggregator's includes its start).
        let agentCPU = Self.cpuSeconds(pid: shipper.pid), aggregatorCPU = Self.cpuSeconds(pid: server.pid)
        // Rows in both tiers once the backlog is in: more than the backlog would be a duplicate.
        let rowsAtDrain = (try? await store.eventCount()) ?? stored
        await store.close()
        let indexing = try await world.untilIndexed(target)
        _ = await shipper.terminate()
        _ = await server.terminate()
        // Every backlog event is in the indexed table (the tier is empty by now); a second copy
        // would show as rows beyond the distinct ids, at the drain's end (both tiers) or after.
        let storedIDs = try Self.indexedEventIDs(databasePath: databasePath, agent: agent)
        let distinct = Set(storedIDs)
        let missing = Set(events.map(\.id)).subtracting(distinct).count
        let duplicates = max(rowsAtDrain, storedIDs.count) - distinct.count
        guard stored >= count, missing == 0, duplicates == 0 else {
            throw ValidationError("drained \(stored) of \(count) events: \(missing) missing, \(duplicates) duplicated")
        }
        BenchReport.print([
            .init(suite: "drain", name: "sqlite/store_commit_ceiling/events_per_s", value: ceiling, unit: "events/s"),
            .init(
                suite: "drain", name: "sqlite/backlog_drain/events_per_s", value: Double(count) / seconds, unit: "events/s",
                baseline: "sqlite/store_commit_ceiling/events_per_s", baselineValue: ceiling),
            .init(suite: "drain", name: "sqlite/backlog_missing/events", value: Double(missing), unit: "events"),
            .init(suite: "drain", name: "sqlite/backlog_duplicated/events", value: Double(duplicates), unit: "events"),
            .init(suite: "drain", name: "sqlite/agent_cpu_per_event/us", value: agentCPU / Double(count) * 1e6, unit: "us"),
            .init(suite: "drain", name: "sqlite/aggregator_cpu_per_event/us", value: aggregatorCPU / Double(count) * 1e6, unit: "us"),
            .init(suite: "drain", name: "sqlite/store_sustained/events_per_s", value: rates.sustained, unit: "events/s"),
            .init(
                suite: "drain", name: "sqlite/backlog_indexed/events_per_s", value: Double(count) / (seconds + indexing), unit: "events/s",
                baseline: "sqlite/store_sustained/events_per_s", baselineValue: rates.sustained),
        ], json: options.json)
    }

    /// The event ids of `agent` in the indexed table, one per row.
    static func indexedEventIDs(databasePath: String, agent: String) throws -> [UInt64] {
        var configuration = Configuration()
        configuration.readonly = true
        let reader = try DatabaseQueue(path: databasePath, configuration: configuration)
        defer { try? reader.close() }
        return try reader.read { db in
            try Int64.fetchAll(db, sql: "SELECT event_id FROM events_indexed WHERE agent_id = ?", arguments: [agent]).map { UInt64(bitPattern: $0) }
        }
    }

    /// User plus system CPU seconds a running process has used (`/proc/PID/stat`, fields 14 and
    /// 15, in clock ticks); 0 when it cannot be read.
    static func cpuSeconds(pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        // Fields after the command name (which may hold spaces), starting with field 3.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
