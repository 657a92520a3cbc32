import AsyncAlgorithms
import Logging
import Metrics
import Shared

/// The ingest path without HTTP: bounded decode → identity and ownership checks → idempotent
/// durable commit → ack, in that order. Nothing is acked that the store did not commit, and a
/// refused batch stores nothing.
struct BatchIngestor: Sendable {
    let city: CityModel
    let store: any EventStore
    let limits: BatchLimits
    let dictionaries: [ZstdDictionary]
    /// Wall clock in ms since the epoch (injected for tests).
    let now: @Sendable () -> Int64
    let logger: Logger
    /// Events captured more than this after the aggregator's clock are not evaluated.
    static let maxFutureMs: Int64 = 300_000
    private static let futureInputs = Counter(label: "citywatch_scenario_inputs_total", dimensions: [("result", "future")])

    /// Newly committed events go to the scenario engine (nil: no scenarios).
    var scenarioFeed: AsyncChannel<[ScenarioInput]>? = nil
    /// Commands for agents ride on acks; agents' command results come in batches.
    var actions: ActionStore? = nil
    /// Agents' latest health reports, for the fleet view (nil: not kept).
    var fleetHealth: FleetHealth? = nil

    // Metric handles with fixed labels, made once (per-agent and per-code ones are made per use).
    private let commitLatency = Timer(label: "citywatch_ingest_commit_seconds")
    private let committedBatches = Counter(label: "citywatch_ingest_batches_total", dimensions: [("result", "committed")])
    private let duplicateBatches = Counter(label: "citywatch_ingest_batches_total", dimensions: [("result", "duplicate")])
    private let storedEvents = Counter(label: "citywatch_ingest_events_total", dimensions: [("result", "stored")])
    private let alreadyStoredEvents = Counter(label: "citywatch_ingest_events_total", dimensions: [("result", "already_stored")])
    private let refusedEvents = Counter(label: "citywatch_ingest_events_total", dimensions: [("result", "refused")])
    private let compressedBytes = Counter(label: "citywatch_ingest_bytes_total", dimensions: [("form", "compressed")])
    private let rawBytes = Counter(label: "citywatch_ingest_bytes_total", dimensions: [("form", "raw")])

    /// `agent` is the identity from the client certificate; the payload's own `agent_id` must
    /// agree with it. (Empty ids and the `batch_seq` range are the decoder's rules.)
    func ingest(body: [UInt8], agent: String) async -> Result<BatchAck, IngestFailure> {
        compressedBytes.increment(by: body.count)
        let batch: EventBatch
        do {
            let decoder = BatchDecoder(limits: limits, dictionaries: dictionaries)
            batch = try decoder.decode(body)
            rawBytes.increment(by: decoder.lastDecompressedBytes)
        } catch {
            return refuse(.from(error), agent: agent)
        }
        guard batch.agentID == agent else {
            return refuse(.forbidden("agent_mismatch", "the batch says agent '\(batch.agentID)' but the certificate is '\(agent)'", field: "agent_id"), agent: agent, events: batch.events.count)
        }
        var districts: [String] = []
        districts.reserveCapacity(batch.events.count)
        // Positions in the city model's cameras (what the scenario inputs carry).
        var cameras: [Int] = []
        cameras.reserveCapacity(scenarioFeed == nil ? 0 : batch.events.count)
        for (i, event) in batch.events.enumerated() {
            let index: Int
            switch self.cameraIndex(event.cameraID, ownedBy: agent, field: "events[\(i)].camera_id") {
            case .success(let owned): index = owned
            case .failure(let refusal): return refuse(refusal, agent: agent, events: batch.events.count)
            }
            districts.append(city.cameras[index].district)
            if scenarioFeed != nil { cameras.append(index) }
        }
        let received = now()
        let ingested = IngestedBatch(
            agentID: agent, batchSeq: batch.batchSeq, receivedAtMs: received, events: batch.events, districts: districts,
            evicted: batch.evicted, agentVersion: batch.agentVersion, wireBody: ZstdDecompressor.dictionaryID(of: body) == 0 ? body : nil)
        let started = ContinuousClock.now
        let outcome: CommitOutcome
        do {
            outcome = try await store.commit(ingested)
        } catch {
            logger.warning("store commit failed", metadata: ["agent": "\(agent)", "batch_seq": "\(batch.batchSeq)", "error": "\(error)"])
            let failure = error.kind == .unavailable
                ? IngestFailure.unavailable("store_unavailable", "the store is unavailable; retry later")
                : IngestFailure(status: 500, code: "store_failed", message: "the store failed to commit the batch")
            return refuse(failure, agent: agent, events: batch.events.count)
        }
        commitLatency.record(duration: ContinuousClock.now - started)
        Gauge(label: "citywatch_agent_last_seen_ms", dimensions: [("agent", agent)]).record(Double(received))
        if let health = batch.health { fleetHealth?.record(agent: agent, health, receivedMs: received) }
        switch outcome {
        case .committed(let stored, let committed, let alreadyStored):
            committedBatches.increment()
            storedEvents.increment(by: stored)
            if stored < batch.events.count {
                alreadyStoredEvents.increment(by: batch.events.count - stored)
            }
            if let scenarioFeed, stored > 0 {
                // Only what this commit stored: events stored (and evaluated) before are not evaluated again.
                let skip = Set(alreadyStored)
                var inputs: [ScenarioInput] = []
                inputs.reserveCapacity(stored)
                // A capture time far in the future (an agent's clock gone wrong) would drag the
                // watermark ahead and make every other agent's events late: stored, not evaluated.
                let horizon = received.saturatingAdd(Self.maxFutureMs)
                var future = 0
                for (event, index) in zip(batch.events, cameras) where skip.isEmpty || !skip.contains(event.id) {
                    guard event.captureTimeMs <= horizon else {
                        future += 1
                        continue
                    }
                    let camera = city.cameras[index]
                    inputs.append(ScenarioInput(
                        agentID: agent, event: event, district: camera.district, reach: camera.reach, road: camera.road, site: camera.site,
                        cameraIndex: index))
                }
                if future > 0 {
                    Self.futureInputs.increment(by: future)
                    logger.warning("events from the future not evaluated (agent clock ahead?)", metadata: ["agent": "\(agent)", "events": "\(future)"])
                }
                if !inputs.isEmpty { await scenarioFeed.send(inputs) }
            }
            if !batch.evicted.isEmpty {
                logger.warning(
                    "agent reports evicted events", metadata: ["agent": "\(agent)", "events": "\(batch.evicted.events)", "snapshots": "\(batch.evicted.snapshots)"])
                Counter(label: "citywatch_agent_evicted_events_total", dimensions: [("agent", agent)]).increment(by: Int(clamping: batch.evicted.events))
                if batch.evicted.snapshots > 0 {
                    Counter(label: "citywatch_agent_evicted_snapshots_total", dimensions: [("agent", agent)]).increment(by: Int(clamping: batch.evicted.snapshots))
                }
            }
            return .success(BatchAck(
                agentID: agent, committedSeq: committed, serverTimeMs: now(), commands: commands(for: agent, results: batch.commandResults),
                storedEvents: UInt32(clamping: stored)))
        case .duplicate(let committed):
            duplicateBatches.increment()
            return .success(BatchAck(
                agentID: agent, committedSeq: committed, serverTimeMs: now(), commands: commands(for: agent, results: batch.commandResults),
                duplicate: true))
        }
    }

    /// The position of the city's camera `id` in `city.cameras` if `agent` owns it, else the 403
    /// that says why (`field` names it).
    func cameraIndex(_ id: String, ownedBy agent: String, field: String) -> Result<Int, IngestFailure> {
        guard let index = city.cameraIndexByID[id] else {
            return .failure(.forbidden("unknown_camera", "camera '\(id)' is not in the city model", field: field))
        }
        guard city.cameras[index].agent == agent else {
            return .failure(.forbidden("camera_not_owned", "camera '\(id)' belongs to another agent", field: field))
        }
        return .success(index)
    }

    /// Applies the agent's command reports and returns its open commands for the ack. A failure
    /// here is logged and costs the agent nothing: its batch is committed, and open commands go
    /// out with a later ack.
    private func commands(for agent: String, results: [CommandResult]) -> [Command] {
        guard let actions else { return [] }
        do {
            if !results.isEmpty {
                let applied = try actions.recordResults(agent: agent, results, nowMs: now())
                if applied < results.count {
                    logger.info("command results for unknown or finished commands ignored", metadata: ["agent": "\(agent)", "ignored": "\(results.count - applied)"])
                }
            }
            return try actions.openCommands(agent: agent, nowMs: now())
        } catch {
            logger.warning("reading commands for an ack failed", metadata: ["agent": "\(agent)", "error": "\(error)"])
            return []
        }
    }

    /// `events`: how many events the refused batch carried (0 when it did not decode).
    private func refuse(_ failure: IngestFailure, agent: String, events: Int = 0) -> Result<BatchAck, IngestFailure> {
        Counter(label: "citywatch_ingest_batches_total", dimensions: [("result", "refused"), ("code", failure.code)]).increment()
        if events > 0 { refusedEvents.increment(by: events) }
        if !failure.isRetryable {
            logger.notice("batch refused", metadata: ["agent": "\(agent)", "status": "\(failure.status)", "code": "\(failure.code)", "message": "\(failure.message)"])
        }
        return .failure(failure)
    }
}
