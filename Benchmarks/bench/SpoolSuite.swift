import ArgumentParser
import EdgeAgent
import Foundation
import Logging
import Shared
import TestSupport

/// `bench spool`: durable appends per second into the edge spool on this disk, with group commit
/// (one fsync per 200 events' worth of appends, the default 200 ms interval at 1,000 events/s)
/// and with `always` (fsync per append), each next to the same disk's raw sequential
/// write + fdatasync rate for the same bytes in the same chunks; and the time to reopen (recover)
/// a 1 GiB spool.
struct SpoolSuite: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "spool", abstract: "Edge spool: durable appends/s, MB/s, recovery time.")

    @OptionGroup var options: SuiteOptions

    func run() throws {
        var results: [BenchResult] = []
        let logger = Logger(label: "bench")
        let events = Self.events(options.quick ? 20_000 : 100_000)
        for (name, perCommit) in [("group_commit", 200), ("always", 1)] {
            let count = perCommit == 1 ? min(events.count, options.quick ? 500 : 3_000) : events.count
            let dir = try TestPaths.temporaryDirectory("bench-spool")
            defer { try? FileManager.default.removeItem(at: dir) }
            var settings = SpoolSettings()
            settings.maxBytes = 4 << 30
            let spool = try Spool(storage: PosixSpoolStorage(directory: dir.path), settings: settings, logger: logger)
            let clock = ContinuousClock()
            let started = clock.now
            for chunk in stride(from: 0, to: count, by: perCommit) {
                try spool.append(Array(events[chunk..<min(count, chunk + perCommit)]))
                try spool.sync()
            }
            let seconds = (clock.now - started).seconds
            let bytes = Double(spool.stats.bytes)
            let raw = try Self.rawWriteRate(bytes: Int(bytes), chunks: (count + perCommit - 1) / perCommit, directory: dir.path)
            results.append(.init(suite: "spool", name: "\(name)/appends_per_s", value: Double(count) / seconds, unit: "events/s"))
            results.append(.init(
                suite: "spool", name: "\(name)/mb_per_s", value: bytes / seconds / 1e6, unit: "MB/s",
                baseline: "\(name)/raw_write_fdatasync/mb_per_s", baselineValue: raw))
            results.append(.init(suite: "spool", name: "\(name)/raw_write_fdatasync/mb_per_s", value: raw, unit: "MB/s"))
        }
        results += try recovery(gigabytes: options.quick ? 0.125 : 1, events: events, logger: logger)
        BenchReport.print(results, json: options.json)
    }

    static func events(_ count: Int) -> [Event] {
        var c = SyntheticEventGenerator.Configuration()
        c.agentID = "agent-bench"
        var generator = SyntheticEventGenerator(configuration: c)
        return generator.next(count: count)
    }

    /// The same bytes written in `chunks` equal writes, each followed by fdatasync: MB/s.
    static func rawWriteRate(bytes: Int, chunks: Int, directory: String) throws -> Double {
        let path = directory + "/raw.bin"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw ValidationError("open \(path)") }
        defer { close(fd); unlink(path) }
        let chunk = [UInt8](repeating: 0x5A, count: max(1, bytes / max(1, chunks)))
        let clock = ContinuousClock()
        let started = clock.now
        for _ in 0..<chunks {
            _ = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            fdatasync(fd)
        }
        return Double(chunk.count * chunks) / (clock.now - started).seconds / 1e6
    }

    /// Fills a spool to `gigabytes` (large group commits), then times opening it again.
    func recovery(gigabytes: Double, events: [Event], logger: Logger) throws -> [BenchResult] {
        let dir = try TestPaths.temporaryDirectory("bench-spool-recovery")
        defer { try? FileManager.default.removeItem(at: dir) }
        var settings = SpoolSettings()
        settings.maxBytes = 8 << 30
        let target = Int(gigabytes * Double(1 << 30))
        do {
            let spool = try Spool(storage: PosixSpoolStorage(directory: dir.path), settings: settings, logger: logger)
            while spool.stats.bytes < target {
                try spool.append(events)
                try spool.sync()
            }
        }
        let clock = ContinuousClock()
        let started = clock.now
        let reopened = try Spool(storage: PosixSpoolStorage(directory: dir.path), settings: settings, logger: logger)
        let seconds = (clock.now - started).seconds
        return [
            BenchResult(suite: "spool", name: "recovery/seconds", value: seconds, unit: "s"),
            BenchResult(suite: "spool", name: "recovery/spool_gib", value: Double(reopened.stats.bytes) / Double(1 << 30), unit: "GiB"),
        ]
    }
}
