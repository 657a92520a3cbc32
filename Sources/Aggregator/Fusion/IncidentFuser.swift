import Shared

/// Merges events into incidents, incrementally and in event time (capture time, with the same
/// lateness allowance as the scenario engine; late events are counted, not fused).
///
/// An event of incident type T joins an open incident of T when
/// 1. it continues a track already in the incident (same camera and tracker id), or
/// 2. one of the incident's cameras is the event's camera, on the same site, or within
///    `distance_m`, and the incident was active within `window_s`, or
/// 3. it is a track and one of the incident's cameras saw a track within `link_distance_m` at a
///    speed no greater than `max_speed_m_s` (the same person or vehicle moving on);
/// otherwise it opens a new incident. An incident with no event for `quiet_s` is resolved.
/// Lookups are per camera: each camera's neighbours (within `distance_m` or on its site) and link
/// partners (within `link_distance_m`) are computed once from the city model, and each type keeps
/// the latest incident seen on each camera; an event looks at its neighbours' incidents only.
final class IncidentFuser {
    private final class Open {
        var incident: Incident
        /// Camera → last event time on it.
        var cameraLast: [String: Int64] = [:]
        var tracks: Set<String> = []
        init(_ incident: Incident) { self.incident = incident }

        /// The incident with at most `limit` timeline entries (the newest).
        func trimmed(_ limit: Int) -> Incident {
            guard incident.timeline.count > limit else { return incident }
            var copy = incident
            copy.timeline = Array(copy.timeline.suffix(limit))
            return copy
        }
    }

    let settings: FusionSettings
    let city: CityModel
    let latenessMs: Int64
    private var open: [String: Open] = [:]
    private var openByType: [String: [String]] = [:]
    /// Event → open incident, for the events on incidents' timelines (escalation looks them up).
    private var incidentOfEvent: [EventReference: String] = [:]
    private var dirty: Set<String> = []
    /// Kind → incident type, resolved once per kind (nil: ignored).
    private var kindTypes: [EventKind: String?] = [:]

    private func typeOfKind(_ kind: EventKind) -> String? {
        if let known = kindTypes[kind] { return known }
        let type = settings.type(of: kind)
        kindTypes[kind] = .some(type)
        return type
    }

    /// Camera → cameras it merges with (itself, same site, within `distance_m`).
    private let near: [String: [String]]
    /// Camera → other cameras within `link_distance_m`, with the distance.
    private let linkable: [String: [(camera: String, metres: Double)]]
    /// Type → camera → the latest open incident with an event on that camera.
    private var latestByCamera: [String: [String: String]] = [:]
    /// `type#camera#track` → the open incident holding that track.
    private var incidentOfTrack: [String: String] = [:]
    private var newestMs: Int64 = .min
    private(set) var watermarkMs: Int64 = .min
    private(set) var late = 0
    private(set) var fused = 0

    init(settings: FusionSettings, city: CityModel, latenessMs: Int64) {
        self.settings = settings
        self.city = city
        self.latenessMs = latenessMs
        var near: [String: [String]] = [:]
        var linkable: [String: [(camera: String, metres: Double)]] = [:]
        for a in city.cameras {
            near[a.id] = [a.id]
            for b in city.cameras where b.id != a.id {
                let d = city.distanceMetres(a.id, b.id)
                if (a.site != nil && a.site == b.site) || (d.map { $0 <= settings.distanceMetres } ?? false) { near[a.id]!.append(b.id) }
                if let d, d <= settings.linkDistanceMetres { linkable[a.id, default: []].append((b.id, d)) }
            }
        }
        self.near = near
        self.linkable = linkable
    }

    var openCount: Int { open.count }
    /// The ids of the open incidents (a warm start keeps them open in the database).
    var openIDs: Set<String> { Set(open.keys) }

    func fuse(_ input: ScenarioInput, into updates: inout [IncidentUpdate]) {
        guard input.source == .event, let type = typeOfKind(input.event.kind) else { return }
        let event = input.event
        let t = event.captureTimeMs
        guard t >= watermarkMs else {
            late += 1
            return
        }
        fused += 1
        let track = event.trackID == 0 ? nil : "\(event.cameraID)#\(event.trackID)"
        let entry = Incident.Entry(
            timeMs: t, cameraID: event.cameraID, district: input.district, kind: event.kind, severity: event.severity, event: input.reference)
        if let target = match(type: type, camera: event.cameraID, track: track, timeMs: t) {
            join(target, entry, track: track, into: &updates)
        } else {
            let incident = Incident(
                id: "\(type)-\(input.agentID)-\(event.id)", type: type, status: .open, severity: event.severity, openedMs: t, lastMs: t,
                resolvedMs: nil, cameras: [], districts: [], tracks: [], eventCount: 0, timeline: [])
            let o = Open(incident)
            open[incident.id] = o
            openByType[type, default: []].append(incident.id)
            join(o, entry, track: track, into: &updates, opening: true)
        }
        if t > newestMs {
            newestMs = t
            resolveQuiet(watermark: t - latenessMs, into: &updates)
        }
    }

    private func match(type: String, camera: String, track: String?, timeMs t: Int64) -> Open? {
        if let track, let id = incidentOfTrack["\(type)#\(track)"], let o = open[id] { return o }
        guard let latest = latestByCamera[type] else { return nil }
        let window = Int64(settings.windowSeconds) * 1000
        var best: Open?
        for other in near[camera] ?? [camera] {
            guard let id = latest[other], let o = open[id], o.incident.lastMs >= t - window else { continue }
            if best == nil || o.incident.lastMs > best!.incident.lastMs { best = o }
        }
        if best != nil || track == nil { return best }
        for (other, metres) in linkable[camera] ?? [] {
            guard let id = latest[other], let o = open[id], let last = o.cameraLast[other], last <= t, t - last <= window else { continue }
            if metres / max(Double(t - last) / 1000, 1) <= settings.maxSpeedMetresPerSecond { return o }
        }
        return nil
    }

    private func join(_ o: Open, _ entry: Incident.Entry, track: String?, into updates: inout [IncidentUpdate], opening: Bool = false) {
        // Mutated in place (not copied out and back): the timeline array is not copied per event.
        var material = opening
        if !o.incident.cameras.contains(entry.cameraID) { o.incident.cameras.append(entry.cameraID); material = true }
        if !o.incident.districts.contains(entry.district) { o.incident.districts.append(entry.district); material = true }
        if let track, o.tracks.insert(track).inserted {
            o.incident.tracks.append(track)
            incidentOfTrack["\(o.incident.type)#\(track)"] = o.incident.id
            if o.incident.tracks.count > settings.timelineLimit {
                // Bounded like the timeline: an incident that never goes quiet keeps its latest tracks.
                let dropped = o.incident.tracks.removeFirst()
                o.tracks.remove(dropped)
                incidentOfTrack["\(o.incident.type)#\(dropped)"] = nil
            }
        }
        latestByCamera[o.incident.type, default: [:]][entry.cameraID] = o.incident.id
        if entry.severity > o.incident.severity { o.incident.severity = entry.severity; material = true }
        o.incident.lastMs = max(o.incident.lastMs, entry.timeMs)
        o.incident.openedMs = min(o.incident.openedMs, entry.timeMs)
        o.incident.eventCount += 1
        o.incident.timeline.append(entry)
        incidentOfEvent[entry.event] = o.incident.id
        if o.incident.timeline.count > 2 * settings.timelineLimit {
            // Trimmed in chunks: one O(n) move per `timeline_limit` events, not per event.
            for dropped in o.incident.timeline.prefix(o.incident.timeline.count - settings.timelineLimit) { incidentOfEvent[dropped.event] = nil }
            o.incident.timeline.removeFirst(o.incident.timeline.count - settings.timelineLimit)
        }
        o.cameraLast[entry.cameraID] = max(o.cameraLast[entry.cameraID] ?? .min, entry.timeMs)
        dirty.insert(o.incident.id)
        if material { updates.append(IncidentUpdate(change: opening ? .opened : .updated, incident: o.trimmed(settings.timelineLimit))) }
    }

    /// Raises the incidents holding any of these events (or named) to at least `severity`.
    func escalate(events: [EventReference], incidents named: [String] = [], to severity: Severity, into updates: inout [IncidentUpdate]) {
        for id in Set(events.compactMap { incidentOfEvent[$0] } + named) {
            guard let o = open[id], o.incident.severity < severity else { continue }
            o.incident.severity = severity
            dirty.insert(id)
            updates.append(IncidentUpdate(change: .escalated, incident: o.trimmed(settings.timelineLimit)))
        }
    }

    /// Time passes without events (wall clock minus the lateness allowance).
    func advance(wallClockMs: Int64, into updates: inout [IncidentUpdate]) {
        resolveQuiet(watermark: wallClockMs - latenessMs, into: &updates)
    }

    func finish(into updates: inout [IncidentUpdate]) {
        resolveQuiet(watermark: .max, into: &updates)
    }

    /// Watermark of the last pass over open incidents: passes run at most once per second of event
    /// time (resolution is then up to a second late; what resolves and when it says it did is exact).
    private var lastResolvePassMs: Int64 = .min

    private func resolveQuiet(watermark w: Int64, into updates: inout [IncidentUpdate]) {
        guard w > watermarkMs else { return }
        watermarkMs = w
        guard w == .max || lastResolvePassMs == .min || w - lastResolvePassMs >= 1_000 else { return }
        lastResolvePassMs = w
        let quiet = Int64(settings.quietSeconds) * 1000
        for (type, ids) in openByType {
            var keep: [String] = []
            for id in ids {
                guard let o = open[id] else { continue }
                guard w == .max || o.incident.lastMs < w - quiet else {
                    keep.append(id)
                    continue
                }
                o.incident.status = .resolved
                o.incident.resolvedMs = o.incident.lastMs.saturatingAdd(quiet)
                for entry in o.incident.timeline { incidentOfEvent[entry.event] = nil }
                for track in o.tracks { incidentOfTrack["\(type)#\(track)"] = nil }
                for camera in o.cameraLast.keys where latestByCamera[type]?[camera] == id { latestByCamera[type]?[camera] = nil }
                open[id] = nil
                dirty.insert(id)
                resolved[id] = o.trimmed(settings.timelineLimit)
                updates.append(IncidentUpdate(change: .resolved, incident: resolved[id]!))
            }
            openByType[type] = keep.isEmpty ? nil : keep
        }
    }

    /// Resolved incidents not yet handed to `takeDirty`.
    private var resolved: [String: Incident] = [:]

    /// Incidents changed since the last call (to persist), open or just resolved.
    func takeDirty() -> [Incident] {
        let changed = dirty.compactMap { open[$0]?.trimmed(settings.timelineLimit) ?? resolved[$0] }
        dirty.removeAll(keepingCapacity: true)
        resolved.removeAll(keepingCapacity: true)
        return changed.sorted { $0.openedMs < $1.openedMs }
    }
}
