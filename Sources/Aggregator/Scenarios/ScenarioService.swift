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

    private static let evaluated = Counter(label: "citywatch_scenario_inputs_total", dimensions: [("result", "evaluated")])

    func run() async throws {
        let pipeline = ScenarioPipeline(scenarios: initial, fusion: fusion, city: city, latenessMs: latenessMs)
        let planner = ActionPlanner(city: city)
        restore(pipeline)
        let feed = self.feed
        let reloads = AsyncChannel<Void>()
        // Trap SIGHUP before saying we run: from then on it reloads instead of ending the process.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
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
                    pipeline.process(inputs, into: &out)
                    Self.evaluated.increment(by: inputs.count)
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
    /// because the aggregator restarted), and incidents the previous run left open are resolved.
    private func restore(_ pipeline: ScenarioPipeline) {
        do {
            let longest = initial.map(\.cooldown.milliseconds).max() ?? 0
            let recent = try store.latestActivations(sinceMs: now() - longest)
            for r in recent { pipeline.engine.seedCooldown(scenario: r.scenario, key: r.key, timeMs: r.timeMs) }
            let orphaned = try store.resolveOrphanedIncidents()
            if orphaned > 0 { logger.notice("incidents left open by the previous run resolved", metadata: ["incidents": "\(orphaned)"]) }
        } catch {
            logger.warning("restoring scenario state failed", metadata: ["error": "\(error)"])
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

    private func record(_ activation: Activation, actions: [ScenarioAction], planner: ActionPlanner) {
        let plan = planner.plan(activation, actions: actions, nowMs: now())
        do {
            guard try store.record(activation, plan: plan, nowMs: now()) else { return }
        } catch {
            logger.error("recording an activation failed", metadata: ["activation": "\(activation.id)", "error": "\(error)"])
            return
        }
        Counter(label: "citywatch_scenario_activations_total", dimensions: [("scenario", activation.scenarioID)]).increment()
        logger.notice("scenario activated", metadata: [
            "scenario": "\(activation.scenarioID)", "activation": "\(activation.id)", "severity": "\(activation.severity)",
            "districts": "\(activation.districts.joined(separator: ","))", "summary": "\(activation.summary)",
            "commands": "\(plan.commands.count)", "webhooks": "\(plan.webhooks.joined(separator: ","))",
        ])
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
