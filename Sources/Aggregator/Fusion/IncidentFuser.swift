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
/// Candidates are the open incidents of the event's type only (a handful per type in a city).
final class IncidentFuser {
    private final class Open {
        var incident: Incident
        /// Camera → last event time on it.
        var cameraLast: [String: Int64] = [:]
        var tracks: Set<String> = []
        init(_ incident: Incident) { self.incident = incident }
    }

    let settings: FusionSettings
    let city: CityModel
    let latenessMs: Int64
    private var open: [String: Open] = [:]
    private var openByType: [String: [String]] = [:]
    /// Event → open incident, for the events on incidents' timelines (escalation looks them up).
    private var incidentOfEvent: [EventReference: String] = [:]
    private var dirty: Set<String> = []
    private var newestMs: Int64 = .min
    private(set) var watermarkMs: Int64 = .min
    private(set) var late = 0
    private(set) var fused = 0

    init(settings: FusionSettings, city: CityModel, latenessMs: Int64) {
        self.settings = settings
        self.city = city
        self.latenessMs = latenessMs
    }

    var openCount: Int { open.count }

    func fuse(_ input: ScenarioInput, into updates: inout [IncidentUpdate]) {
        guard input.source == .event, let type = settings.type(of: input.event.kind) else { return }
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
        let candidates = (openByType[type] ?? []).compactMap { open[$0] }
        if let track, let o = candidates.first(where: { $0.tracks.contains(track) }) { return o }
        let window = Int64(settings.windowSeconds) * 1000
        let site = city.camerasByID[camera]?.site
        for o in candidates.reversed() where o.incident.lastMs >= t - window {
            for other in o.cameraLast.keys {
                if other == camera { return o }
                if let site, city.camerasByID[other]?.site == site { return o }
                if let d = city.distanceMetres(other, camera), d <= settings.distanceMetres { return o }
            }
        }
        guard track != nil else { return nil }
        for o in candidates.reversed() {
            for (other, last) in o.cameraLast where other != camera && last <= t && t - last <= window {
                guard let d = city.distanceMetres(other, camera), d <= settings.linkDistanceMetres else { continue }
                let seconds = max(Double(t - last) / 1000, 1)
                if d / seconds <= settings.maxSpeedMetresPerSecond { return o }
            }
        }
        return nil
    }

    private func join(_ o: Open, _ entry: Incident.Entry, track: String?, into updates: inout [IncidentUpdate], opening: Bool = false) {
        var material = opening
        var i = o.incident
        if !i.cameras.contains(entry.cameraID) { i.cameras.append(entry.cameraID); material = true }
        if !i.districts.contains(entry.district) { i.districts.append(entry.district); material = true }
        if let track, o.tracks.insert(track).inserted { i.tracks.append(track) }
        if entry.severity > i.severity { i.severity = entry.severity; material = true }
        i.lastMs = max(i.lastMs, entry.timeMs)
        i.openedMs = min(i.openedMs, entry.timeMs)
        i.eventCount += 1
        i.timeline.append(entry)
        incidentOfEvent[entry.event] = i.id
        if i.timeline.count > settings.timelineLimit {
            let dropped = i.timeline.removeFirst()
            incidentOfEvent[dropped.event] = nil
        }
        o.cameraLast[entry.cameraID] = max(o.cameraLast[entry.cameraID] ?? .min, entry.timeMs)
        o.incident = i
        dirty.insert(i.id)
        if material { updates.append(IncidentUpdate(change: opening ? .opened : .updated, incident: i)) }
    }

    /// Raises the incidents holding any of these events to at least `severity`.
    func escalate(events: [EventReference], to severity: Severity, into updates: inout [IncidentUpdate]) {
        for id in Set(events.compactMap { incidentOfEvent[$0] }) {
            guard let o = open[id], o.incident.severity < severity else { continue }
            o.incident.severity = severity
            dirty.insert(id)
            updates.append(IncidentUpdate(change: .escalated, incident: o.incident))
        }
    }

    /// Time passes without events (wall clock minus the lateness allowance).
    func advance(wallClockMs: Int64, into updates: inout [IncidentUpdate]) {
        resolveQuiet(watermark: wallClockMs - latenessMs, into: &updates)
    }

    func finish(into updates: inout [IncidentUpdate]) {
        resolveQuiet(watermark: .max, into: &updates)
    }

    private func resolveQuiet(watermark w: Int64, into updates: inout [IncidentUpdate]) {
        guard w > watermarkMs else { return }
        watermarkMs = w
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
                o.incident.resolvedMs = o.incident.lastMs + quiet
                for entry in o.incident.timeline { incidentOfEvent[entry.event] = nil }
                open[id] = nil
                dirty.insert(id)
                resolved[id] = o.incident
                updates.append(IncidentUpdate(change: .resolved, incident: o.incident))
            }
            openByType[type] = keep.isEmpty ? nil : keep
        }
    }

    /// Resolved incidents not yet handed to `takeDirty`.
    private var resolved: [String: Incident] = [:]

    /// Incidents changed since the last call (to persist), open or just resolved.
    func takeDirty() -> [Incident] {
        let changed = dirty.compactMap { open[$0]?.incident ?? resolved[$0] }
        dirty.removeAll(keepingCapacity: true)
        resolved.removeAll(keepingCapacity: true)
        return changed.sorted { $0.openedMs < $1.openedMs }
    }
}
