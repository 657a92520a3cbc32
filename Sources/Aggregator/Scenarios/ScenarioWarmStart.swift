import ServiceLifecycle
import Shared

/// Rebuilds the scenario engine's state after a restart: the stored events captured in the last
/// `spanMs` go through fusion and the rules again, oldest first, as a backtest would. Windows, pending sequences and absences, cooldowns and open incidents come back
/// as they were. Activations the replay makes have the ids the first run gave them
/// (`scenario/key/time`), so recording them again changes nothing; an activation the previous run
/// never made (it died between storing the events and evaluating them) is new, and is recorded
/// and acted on. At most about `maxEvents` are replayed: the start moves later, by whole hours of
/// the store's hourly counts, until the rest fits.
struct ScenarioWarmStart {
    let store: any EventStore
    let city: CityModel
    let spanMs: Int64
    let maxEvents: Int
    /// When this process started (before its ingest could store anything): the stored events
    /// received since then are also on the live feed.
    let processStartMs: Int64
    static let pageSize = 5_000

    /// Where the replay starts: `cutMs` (now) `- spanMs`, moved later by whole hours while the hours
    /// after it hold more than `maxEvents` events. When the newest hour alone holds more, it is
    /// replayed whole (from its start).
    func start(cutMs: Int64) async throws(StoreError) -> Int64 {
        let earliest = cutMs - spanMs
        let hours = try await store.hourlyCounts(fromMs: earliest, toMs: cutMs)
        var perHour: [Int64: Int64] = [:]
        for h in hours { perHour[h.hourMs, default: 0] += h.count }
        var total: Int64 = 0
        var start: Int64?  // the earliest hour that still fits, newest first
        for hour in perHour.keys.sorted(by: >) {
            total += perHour[hour]!
            if total > Int64(maxEvents) { return max(earliest, start ?? hour) }
            start = hour
        }
        return earliest
    }

    /// What a replay did: how many events, and which of them this process's own ingest received
    /// (at or after `processStartMs`): their copies on the live feed are skipped, not evaluated twice.
    struct Replay {
        var events = 0
        var recent: Set<EventReference> = []
    }

    /// Replays into `pipeline`; `handle` gets each page's output (activations, incident changes).
    /// Events from the future (beyond ingest's horizon) were not evaluated by the first run
    /// either: the replay stops at that horizon, so they cannot drag the watermark ahead.
    func replay(
        into pipeline: ScenarioPipeline, fromMs: Int64, nowMs: Int64,
        handle: (inout ScenarioPipeline.Output) -> Void
    ) async throws(StoreError) -> Replay {
        var query = EventQuery(fromMs: fromMs, toMs: nowMs.saturatingAdd(BatchIngestor.maxFutureMs), limit: Self.pageSize, ascending: true)
        var out = ScenarioPipeline.Output()
        var result = Replay()
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let page = try await store.events(query)
            result.events += page.count
            for stored in page where stored.receivedAtMs >= processStartMs { result.recent.insert(EventReference(agentID: stored.agentID, eventID: stored.event.id)) }
            pipeline.process(page.map { ScenarioInput(stored: $0, city: city) }, into: &out)
            handle(&out)
            out.removeAll()
            guard page.count == query.limit, let last = page.last else { break }
            query.after = EventCursor(captureTimeMs: last.event.captureTimeMs, agentID: last.agentID, eventID: last.event.id)
        }
        return result
    }
}
