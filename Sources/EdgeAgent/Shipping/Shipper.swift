import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Shared

/// Sends the spool's durable events to the aggregator: batches of up to `batch_max_events`,
/// several in flight over one HTTP/2 connection with the agent's client certificate, decisions
/// by `ShipperStateMachine`. On graceful shutdown it stops starting batches, waits (bounded) for
/// those in flight, and returns; what is not acked stays in the spool for the next start.
struct Shipper: Service {
    let agentID: String
    let spool: Spool
    let configuration: ShippingConfiguration
    let client: ShippingClient
    let deadLetterDirectory: String
    let logger: Logger
    /// The first batch sequence (unique across restarts: see `firstSequence`).
    let firstSeq: UInt64
    /// Executes commands from acks; their results ride on later batches.
    var commands: CommandDesk? = nil
    /// The link's state for `edge-agent status`.
    var board: AgentStatusBoard? = nil
    /// Snapshots evicted before upload are reported in batches' eviction reports.
    var snapshots: SnapshotStore? = nil

    private let sentBatches = Counter(label: "citywatch_agent_batches_total", dimensions: [("result", "acked")])
    private let retries = Counter(label: "citywatch_agent_batches_total", dimensions: [("result", "retry")])
    private let deadLetters = Counter(label: "citywatch_agent_batches_total", dimensions: [("result", "dead_letter")])
    private let ackLatency = Timer(label: "citywatch_agent_ack_seconds")
    private let skew = Gauge(label: "citywatch_agent_clock_skew_ms")

    /// Batch sequences never repeat: above what the spool's ledger has seen, and above the
    /// wall-clock time in ms × 1000 (unique even without the ledger).
    static func firstSequence(ledgerNext: UInt64, nowMs: Int64) -> UInt64 {
        max(ledgerNext, UInt64(max(0, nowMs)) * 1000)
    }

    enum Completion: Sendable {
        case sent(seq: UInt64, outcome: ShipperStateMachine.Outcome, serverTimeMs: Int64?, commands: [Command] = [], endpoint: String = "", error: String? = nil)
        case tick
    }

    func run() async throws {
        var settings = ShipperStateMachine.Settings()
        settings.maxInFlight = configuration.maxInFlight
        settings.backoffBase = .milliseconds(configuration.backoffBaseMs)
        settings.backoffCap = .milliseconds(configuration.backoffCapMs)
        var machine = ShipperStateMachine(settings: settings, firstSeq: firstSeq)
        let clock = ContinuousClock()
        let origin = clock.now
        func now() -> Double { (clock.now - origin).seconds }
        var endpoint = 0
        var stopping = false
        var stopDeadline: Double = .infinity

        await withGracefulShutdownHandler {
            await withTaskGroup(of: Completion.self) { group in
                group.addTask { try? await Task.sleep(for: .milliseconds(100)); return .tick }
                var running = 1
                while running > 0 {
                    if !stopping, Task.isShuttingDownGracefully || Task.isCancelled {
                        stopping = true
                        stopDeadline = Task.isCancelled ? 0 : now() + 5
                    }
                    if !stopping {
                        fill(&machine)
                        while let batch = machine.nextToSend(now: now()) {
                            let url = configuration.endpoints[endpoint % configuration.endpoints.count]
                            group.addTask { await send(batch, to: url) }
                            running += 1
                        }
                    }
                    guard let completion = await group.next() else { break }
                    running -= 1
                    switch completion {
                    case .tick:
                        let inFlight = machine.window.filter { $0.finish == .open }.count - machine.ready.count
                        if stopping, inFlight == 0 || now() > stopDeadline || Task.isCancelled { group.cancelAll(); continue }
                        group.addTask { try? await Task.sleep(for: .milliseconds(100)); return .tick }
                        running += 1
                    case .sent(let seq, let outcome, let serverTimeMs, let received, let url, let failure):
                        let wallMs = Int64(Date().timeIntervalSince1970 * 1000)
                        if case .retryable = outcome {
                            endpoint += 1
                            retries.increment()
                            board?.sendFailed(endpoint: url, error: failure ?? "retryable", nowMs: wallMs)
                        }
                        var skewMs: Int64?
                        if let serverTimeMs, serverTimeMs > 0 {
                            let (difference, overflow) = serverTimeMs.subtractingReportingOverflow(wallMs)
                            if !overflow {
                                skew.record(Double(difference))
                                skewMs = difference
                            }
                        }
                        if case .acked = outcome { board?.batchAcked(endpoint: url, skewMs: skewMs, nowMs: wallMs) }
                        if case .permanent(let status) = outcome { board?.batchDeadLettered(status: status, nowMs: wallMs) }
                        let batch = machine.window.first { $0.batch.seq == seq }?.batch
                        let effects = machine.record(outcome, seq: seq, now: now(), random: Double.random(in: 0..<1))
                        if let dead = effects.deadLetter, let batch {
                            deadLetter(batch, seq: dead, outcome: outcome)
                            commands?.batchFinished(dead, acked: false)
                        }
                        if case .acked = outcome {
                            sentBatches.increment()
                            commands?.batchFinished(seq, acked: true)
                            if !received.isEmpty { commands?.receive(received, nowMs: Int64(Date().timeIntervalSince1970 * 1000)) }
                        }
                        if let through = effects.ackThrough { spool.ack(through: through, reportedEvictions: effects.reportedEvictions) }
                        snapshots?.markReported(effects.reportedSnapshotEvictions)
                    }
                }
            }
        } onGracefulShutdown: {}
    }

    /// Opens new batches from the spool while the window has room.
    private func fill(_ machine: inout ShipperStateMachine) {
        while machine.hasRoomForNewBatch {
            guard let read = try? spool.read(after: machine.readCursor, maxEvents: configuration.batchMaxEvents),
                !read.events.isEmpty
            else { return }
            // Evictions reported by batches still in flight (a dead-lettered one reported nothing).
            let (carried, carriedSnapshots) = machine.window.filter { $0.finish != .deadLettered }
                .reduce((UInt64(0), UInt64(0))) { ($0.0 + $1.batch.evictions, $0.1 + $1.batch.snapshotEvictions) }
            let unreported = spool.stats.unreportedEvictedEvents
            let unreportedSnapshots = snapshots?.unreportedEvictions() ?? 0
            // The wire wants ids increasing within a batch; reads go lane by lane.
            _ = machine.open(
                events: read.events.sorted { $0.id < $1.id }, end: read.end, evictions: unreported > carried ? unreported - carried : 0,
                snapshotEvictions: unreportedSnapshots > carriedSnapshots ? unreportedSnapshots - carriedSnapshots : 0)
            spool.nextBatchSeq = machine.nextSeq
        }
    }

    private func body(_ batch: ShipperStateMachine.Batch) throws -> [UInt8] {
        var eventBatch = EventBatch(agentID: agentID, batchSeq: batch.seq, events: batch.events)
        eventBatch.evicted = EvictionReport(events: batch.evictions, snapshots: batch.snapshotEvictions)
        eventBatch.agentVersion = CitywatchVersion.current
        eventBatch.commandResults = commands?.results(forBatch: batch.seq) ?? []
        eventBatch.health = board?.health
        return try BatchEncoder().encode(eventBatch)
    }

    private func send(_ batch: ShipperStateMachine.Batch, to base: String) async -> Completion {
        let started = ContinuousClock.now
        let encoded: [UInt8]
        do {
            encoded = try body(batch)
        } catch {
            // Resending cannot help a batch that does not encode: dead-letter it.
            logger.error("batch does not encode", metadata: ["seq": "\(batch.seq)", "error": "\(error)"])
            return .sent(seq: batch.seq, outcome: .permanent(status: 0), serverTimeMs: nil)
        }
        do {
            var request = HTTPClientRequest(url: base + "/v1/batches")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: BatchMediaType.contentType)
            request.headers.add(name: "Content-Encoding", value: BatchMediaType.contentEncoding)
            request.body = .bytes(ByteBuffer(bytes: encoded))
            let response = try await client.current.execute(request, timeout: .seconds(30))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            let status = Int(response.status.code)
            switch status {
            case 200:
                ackLatency.recordNanoseconds(Int64((ContinuousClock.now - started).seconds * 1e9))
                let ack = try? BatchAck(serializedBytes: Array(bytes.readableBytesView))
                return .sent(seq: batch.seq, outcome: .acked, serverTimeMs: ack?.serverTimeMs, commands: ack?.commands ?? [], endpoint: base)
            case let refusal where PermanentRefusal.contains(refusal):
                logger.error(
                    "batch refused permanently", metadata: ["seq": "\(batch.seq)", "status": "\(status)", "body": "\(String(buffer: bytes))"])
                return .sent(seq: batch.seq, outcome: .permanent(status: status), serverTimeMs: nil, endpoint: base)
            default:
                let retryAfter = response.headers.first(name: "Retry-After").flatMap(Int.init)
                // The aggregator's JSON error (e.g. `agent_revoked`, `overloaded`) says why.
                let reason = String(String(buffer: bytes).prefix(300))
                logger.notice("batch not accepted; will retry", metadata: ["seq": "\(batch.seq)", "status": "\(status)", "body": "\(reason)"])
                return .sent(
                    seq: batch.seq, outcome: .retryable(retryAfterSeconds: retryAfter), serverTimeMs: nil, endpoint: base,
                    error: "HTTP \(status) \(reason)")
            }
        } catch {
            logger.notice("batch send failed; will retry", metadata: ["seq": "\(batch.seq)", "endpoint": "\(base)", "error": "\(error)"])
            return .sent(seq: batch.seq, outcome: .retryable(retryAfterSeconds: nil), serverTimeMs: nil, endpoint: base, error: "\(error)")
        }
    }

    /// Keeps a refused batch's body for inspection (`aggregator batch inspect`), loudly.
    private func deadLetter(_ batch: ShipperStateMachine.Batch, seq: UInt64, outcome: ShipperStateMachine.Outcome) {
        deadLetters.increment()
        try? FileManager.default.createDirectory(atPath: deadLetterDirectory, withIntermediateDirectories: true)
        let path = "\(deadLetterDirectory)/batch-\(seq).zst"
        if let bytes = try? body(batch) {
            FileManager.default.createFile(atPath: path, contents: Data(bytes))
        } else {
            try? batch.events.map { try $0.jsonLine() }.joined(separator: "\n").write(toFile: path + ".jsonl", atomically: true, encoding: .utf8)
        }
        logger.error("batch dead-lettered", metadata: ["seq": "\(seq)", "events": "\(batch.events.count)", "file": "\(path)", "outcome": "\(outcome)"])
    }
}
