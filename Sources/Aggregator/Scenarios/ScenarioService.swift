import AsyncAlgorithms
import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Shared
import UnixSignals

/// Runs the scenario engine over what ingest commits: inputs arrive on `feed` (ingest waits for
/// the engine to take them, so a slow engine slows acks rather than dropping anything), the wall
/// clock ticks the watermark every second (absences fire without new events), and activations are
/// recorded with their commands and webhook deliveries. SIGHUP reloads the scenario directory: a
/// set that does not validate is refused (errors logged with file:line) and the running set stays.
struct ScenarioService: Service {
    let directory: String?
    let initial: [Scenario]
    let city: CityModel
    let latenessMs: Int64
    let fusion: FusionSettings
    let feed: AsyncChannel<[ScenarioInput]>
    let store: ActionStore
    let webhookNames: Set<String>
    let now: @Sendable () -> Int64
    let logger: Logger
    /// The API's view and handle: reloads and enable/disable arrive through it.
    var control: ScenarioControl? = nil
    /// Operators' live stream.
    var live: LiveFeed? = nil
    /// Finished activations, commands, deliveries and resolved incidents older than this go
    /// (checked hourly); the events' own retention is `retention.max_age_days`.
    var retentionMs: Int64 = 30 * 86_400_000
    /// Rebuilds windows and incidents from stored events at start (nil: start empty).
    var warmStart: ScenarioWarmStart? = nil

    private static let evaluated = Counter(label: "citywatch_scenario_inputs_total", dimensions: [("result", "evaluated")])

    func run() async throws {
        let pipeline = ScenarioPipeline(scenarios: initial, fusion: fusion, city: city, latenessMs: latenessMs)
        let planner = ActionPlanner(city: city)
        let feed = self.feed
        let reloads = AsyncChannel<Void>()
        // Trap SIGHUP before saying we run: from then on it reloads instead of ending the process.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        // Events this process's ingest stored before the replay read them are on the feed too: skipped.
        var replayed = await replay(into: pipeline, planner: planner)
        logger.notice("scenario engine running", metadata: ["rules": "\(pipeline.engine.rules.count)", "lateness_ms": "\(latenessMs)"])
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // The clock: an empty input list is a tick.
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    await feed.send([])
                }
            }
            group.addTask {
                for await _ in hangups { await reloads.send(()) }
            }
            let replacements = control?.replacements ?? AsyncChannel<[Scenario]>()
            let merged = merge(feed.map { ScenarioWork.inputs($0) }, reloads.map { ScenarioWork.reload }, replacements.map { ScenarioWork.replace($0) })
            var out = ScenarioPipeline.Output()
            var reported = (late: 0, fusionLate: 0)
            var lastPrune: Int64 = 0  // the first tick prunes
            for await work in merged.cancelOnGracefulShutdown() {
                switch work {
                case .reload:
                    if let replacement = reload() {
                        pipeline.replace(scenarios: replacement)
                        control?.record(replacement)
                    }
                    continue
                case .replace(let replacement):
                    pipeline.replace(scenarios: replacement)
                    logger.notice("scenarios replaced through the API", metadata: ["scenarios": "\(replacement.count)", "enabled": "\(replacement.filter(\.enabled).count)"])
                    continue
                case .inputs(let inputs) where inputs.isEmpty:
                    pipeline.advance(wallClockMs: now(), into: &out)
                    persistIncidents(pipeline)
                    report(pipeline, &reported)
                    do { try store.expireCommands(nowMs: now()) } catch {
                        logger.warning("expiring commands failed", metadata: ["error": "\(error)"])
                    }
                    if now() - lastPrune >= 3_600_000 {
                        lastPrune = now()
                        do {
                            let pruned = try store.prune(olderThan: now() - retentionMs)
                            if pruned > 0 { logger.info("operations database pruned", metadata: ["rows": "\(pruned)"]) }
                        } catch {
                            logger.warning("pruning the operations database failed", metadata: ["error": "\(error)"])
                        }
                    }
                case .inputs(let inputs):
                    // Each replayed copy is skipped once, so the set drains to empty.
                    let fresh = replayed.isEmpty
                        ? inputs : inputs.filter { replayed.remove($0.reference) == nil }
                    pipeline.process(fresh, into: &out)
                    Self.evaluated.increment(by: fresh.count)
                }
                for update in out.incidents { live?.publish(update) }
                for update in out.incidents where update.change != .updated {
                    logger.info("incident \(update.change.rawValue)", metadata: [
                        "incident": "\(update.incident.id)", "severity": "\(update.incident.severity)",
                        "cameras": "\(update.incident.cameras.count)", "districts": "\(update.incident.districts.joined(separator: ","))",
                    ])
                }
                for activation in out.activations {
                    record(activation, actions: pipeline.actions[activation.scenarioID] ?? [], planner: planner)
                    live?.publish(activation)
                }
                out.removeAll()
            }
            group.cancelAll()
        }
        persistIncidents(pipeline)
        // Ingest handlers still waiting to hand over events return (the events are stored).
        feed.finish()
    }

    /// Cooldowns from recorded activations (a condition still going on does not fire again
    /// because the aggregator restarted), from as far back as the warm start replays; returns the
    /// latest recorded time per scenario and key (a replayed activation at or before it is not new).
    private func restoreCooldowns(_ pipeline: ScenarioPipeline, sinceMs: Int64) -> [String: Int64] {
        do {
            let longest = initial.map(\.cooldown.milliseconds).max() ?? 0
            var latest: [String: Int64] = [:]
            for r in try store.latestActivations(sinceMs: sinceMs.saturatingSubtract(longest)) {
                pipeline.engine.seedCooldown(scenario: r.scenario, key: r.key, timeMs: r.timeMs)
                latest[r.scenario + "/" + r.key] = r.timeMs
            }
            return latest
        } catch {
            logger.warning("restoring cooldowns failed", metadata: ["error": "\(error)"])
            return [:]
        }
    }

    /// Incidents the previous run left open, except those the warm start found still going, are
    /// resolved at their last event (fusion's state does not outlive the process).
    private func resolveOrphans(_ pipeline: ScenarioPipeline) {
        do {
            let orphaned = try store.resolveOrphanedIncidents(keeping: pipeline.fuser.openIDs)
            if orphaned > 0 { logger.notice("incidents left open by the previous run resolved", metadata: ["incidents": "\(orphaned)"]) }
        } catch {
            logger.warning("resolving orphaned incidents failed", metadata: ["error": "\(error)"])
        }
    }

    /// The warm start, then the orphaned incidents. Returns the replayed events that this process's
    /// ingest received (also on the feed).
    private func replay(into pipeline: ScenarioPipeline, planner: ActionPlanner) async -> Set<EventReference> {
        guard let warmStart else {
            _ = restoreCooldowns(pipeline, sinceMs: now())
            resolveOrphans(pipeline)
            return []
        }
        let started = ContinuousClock.now
        let nowMs = now()
        var missed = 0
        do {
            let startMs = try await warmStart.start(cutMs: nowMs)
            let recorded = restoreCooldowns(pipeline, sinceMs: startMs)
            let result = try await warmStart.replay(into: pipeline, fromMs: startMs, nowMs: nowMs) { out in
                for activation in out.activations {
                    // At or before what was recorded for its scenario and key: the first run saw it (or chose not to fire).
                    if let last = recorded[activation.scenarioID + "/" + activation.key], activation.timeMs <= last { continue }
                    guard record(activation, actions: pipeline.actions[activation.scenarioID] ?? [], planner: planner) else { continue }
                    missed += 1
                    live?.publish(activation)
                }
                persistIncidents(pipeline)
            }
            logger.notice("scenario state rebuilt from stored events", metadata: [
                "events": "\(result.events)", "seconds": "\(String(format: "%.1f", (ContinuousClock.now - started).seconds))",
                "activations_missed_by_the_previous_run": "\(missed)", "open_incidents": "\(pipeline.fuser.openCount)",
            ])
            resolveOrphans(pipeline)
            return result.recent
        } catch {
            logger.error("warm start failed: windows start empty", metadata: ["error": "\(error)"])
            resolveOrphans(pipeline)
            return []
        }
    }

    private func persistIncidents(_ pipeline: ScenarioPipeline) {
        let changed = pipeline.fuser.takeDirty()
        do { try store.save(changed) } catch {
            logger.error("saving incidents failed", metadata: ["incidents": "\(changed.count)", "error": "\(error)"])
        }
    }

    private func report(_ pipeline: ScenarioPipeline, _ reported: inout (late: Int, fusionLate: Int)) {
        let stats = pipeline.engine.statistics
        if stats.late > reported.late {
            Counter(label: "citywatch_scenario_inputs_total", dimensions: [("result", "late")]).increment(by: stats.late - reported.late)
            reported.late = stats.late
        }
        if pipeline.fuser.late > reported.fusionLate {
            Counter(label: "citywatch_fusion_late_events_total").increment(by: pipeline.fuser.late - reported.fusionLate)
            reported.fusionLate = pipeline.fuser.late
        }
        Gauge(label: "citywatch_scenario_state_entries").record(Double(stats.stateEntries))
        Gauge(label: "citywatch_scenario_state_dropped").record(Double(stats.droppedState))
        Gauge(label: "citywatch_scenario_rules").record(Double(pipeline.engine.rules.count))
        Gauge(label: "citywatch_fusion_open_incidents").record(Double(pipeline.fuser.openCount))
    }

    private enum ScenarioWork: Sendable {
        case inputs([ScenarioInput])
        case reload
        case replace([Scenario])
    }

    /// Records it with its commands and deliveries; false when it was recorded before (or failed).
    @discardableResult
    private func record(_ activation: Activation, actions: [ScenarioAction], planner: ActionPlanner) -> Bool {
        let plan = planner.plan(activation, actions: actions, nowMs: now())
        do {
            guard try store.record(activation, plan: plan, nowMs: now()) else { return false }
        } catch {
            logger.error("recording an activation failed", metadata: ["activation": "\(activation.id)", "error": "\(error)"])
            return false
        }
        Counter(label: "citywatch_scenario_activations_total", dimensions: [("scenario", activation.scenarioID)]).increment()
        logger.notice("scenario activated", metadata: [
            "scenario": "\(activation.scenarioID)", "activation": "\(activation.id)", "severity": "\(activation.severity)",
            "districts": "\(activation.districts.joined(separator: ","))", "summary": "\(activation.summary)",
            "commands": "\(plan.commands.count)", "webhooks": "\(plan.webhooks.joined(separator: ","))",
        ])
        return true
    }

    /// The directory's scenarios, or nil (logged) when they do not validate.
    private func reload() -> [Scenario]? {
        guard let directory else { return nil }
        do {
            let loaded = try ScenarioLoader.load(directory: directory, city: city)
            if let problem = Self.unknownWebhooks(loaded, known: webhookNames) {
                throw ScenarioLoader.Failure(errors: [problem])
            }
            Counter(label: "citywatch_scenario_reloads_total", dimensions: [("result", "applied")]).increment()
            logger.notice("scenarios reloaded", metadata: ["scenarios": "\(loaded.scenarios.count)", "directory": "\(directory)"])
            return loaded.scenarios
        } catch {
            Counter(label: "citywatch_scenario_reloads_total", dimensions: [("result", "refused")]).increment()
            logger.error("scenario reload refused; the previous set stays active", metadata: ["errors": "\(error)"])
            return nil
        }
    }

    /// The first scenario naming a webhook the configuration does not define.
    static func unknownWebhooks(_ loaded: ScenarioLoader.Loaded, known: Set<String>) -> ConfigError? {
        for scenario in loaded.scenarios {
            for case .webhook(let name) in scenario.actions where !known.contains(name) {
                return ConfigError(
                    file: loaded.files[scenario.id] ?? scenario.id, line: nil, column: nil, keyPath: "actions",
                    message: "webhook '\(name)' is not configured (aggregator config scenarios.webhooks)")
            }
        }
        return nil
    }
}
