import Shared

/// Turns per-frame observations into event lifecycles: one `start` when a condition appears, rate-
/// limited `update`s while it lasts (at once when the analytic calls the change significant,
/// otherwise at most every `heartbeatMs`), one `end` when it goes. One lifecycle id per key.
///
/// Analytics own their hysteresis (they decide when a condition is active); this type owns ids,
/// rate limits and severities.
struct EventLifecycles {
    struct Configuration: Sendable, Hashable {
        /// Unforced updates at most this often per lifecycle, ms (config `events.heartbeat_s`, default 30 s).
        var heartbeatMs: Int64 = 30_000
        /// Significant updates at most this often, ms (config `events.min_update_interval_s`, default 2 s).
        var minUpdateIntervalMs: Int64 = 2_000
        /// Severity overrides per kind (config `severities`).
        var severities: [EventKind: Severity] = [:]
    }

    private struct Open {
        let lifecycleID: UInt64
        var lastEmittedMs: Int64
    }

    let configuration: Configuration
    let cameraID: String
    private let ids: EventIDAllocator
    private var open: [LifecycleKey: Open] = [:]

    init(cameraID: String, ids: EventIDAllocator, configuration: Configuration = Configuration()) {
        self.cameraID = cameraID
        self.ids = ids
        self.configuration = configuration
    }

    func isOpen(_ key: LifecycleKey) -> Bool { open[key] != nil }

    /// Reports a condition as active or not this frame and appends the resulting event, if any.
    mutating func observe(
        _ key: LifecycleKey, active: Bool, draft: @autoclosure () -> EventDraft, significant: Bool = false,
        timeMs: Int64, into events: inout [Event]
    ) {
        if let current = open[key] {
            if !active {
                events.append(make(draft(), phase: .end, lifecycleID: current.lifecycleID, timeMs: timeMs))
                open[key] = nil
                return
            }
            let since = timeMs - current.lastEmittedMs
            if (significant && since >= configuration.minUpdateIntervalMs) || since >= configuration.heartbeatMs {
                events.append(make(draft(), phase: .update, lifecycleID: current.lifecycleID, timeMs: timeMs))
                open[key]?.lastEmittedMs = timeMs
            }
        } else if active {
            let event = make(draft(), phase: .start, lifecycleID: nil, timeMs: timeMs)
            open[key] = Open(lifecycleID: event.id, lastEmittedMs: timeMs)
            events.append(event)
        }
    }

    /// A momentary event (a line crossing): a lifecycle of a single `start`.
    mutating func momentary(_ draft: EventDraft, timeMs: Int64, into events: inout [Event]) {
        events.append(make(draft, phase: .start, lifecycleID: nil, timeMs: timeMs))
    }

    /// Ends every open lifecycle that `matches` (a lost track's, or all at shutdown), in the
    /// order they started (dictionary order is seeded per process: ids would differ run to run).
    mutating func endAll(where matches: (LifecycleKey) -> Bool, timeMs: Int64, into events: inout [Event]) {
        let ending = open.filter { matches($0.key) }.sorted { $0.value.lifecycleID < $1.value.lifecycleID }
        for (key, current) in ending {
            events.append(make(EventDraft(kind: key.kind, trackID: key.trackID, zone: key.zone.isEmpty ? nil : key.zone),
                               phase: .end, lifecycleID: current.lifecycleID, timeMs: timeMs))
            open[key] = nil
        }
    }

    private func make(_ d: EventDraft, phase: EventPhase, lifecycleID: UInt64?, timeMs: Int64) -> Event {
        let id = ids.allocate()
        return Event(
            id: id, lifecycleID: lifecycleID ?? id, cameraID: cameraID, kind: d.kind, phase: phase,
            captureTimeMs: timeMs, agentTimeMs: timeMs, trackID: d.trackID,
            box: d.rect.map { BoundingBox(x: $0.x, y: $0.y, width: $0.width, height: $0.height) },
            zone: d.zone, confidence: Confidence(d.confidence), severity: configuration.severities[d.kind],
            attributes: d.attributes)
    }
}
