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
///
/// Cameras and incident types are numbered once (`cameraNumber`, `typeOfKind`) and the state holds
/// open incidents by reference, so an event costs one string lookup (its camera) instead of one
/// per neighbour, track and incident (`bench scenarios`, docs/SCENARIOS.md).
final class IncidentFuser {
    /// Its mutable state is `@exclusivity(unchecked)`: a join makes a dozen accesses to it, and
    /// their run-time exclusivity checks were 4 % of fusion + library (`bench scenarios`, perf).
    /// Nothing here holds an access across a call that could reach the same incident.
    private final class Open {
        @exclusivity(unchecked) var incident: Incident
        let type: Int
        /// Camera number → last event time on it.
        @exclusivity(unchecked) var cameraLast: [Int: Int64] = [:]
        /// Its tracks in order, for the bound on tracks (the incident's `tracks` holds their names).
        /// A track is in at most one open incident: `incidentOfTrack` says which.
        @exclusivity(unchecked) var trackOrder: [TrackKey] = []
        var dirty = false
        var isOpen = true
        init(_ incident: Incident, type: Int) {
            self.incident = incident
            self.type = type
        }

        /// The incident with at most `limit` timeline entries (the newest).
        func trimmed(_ limit: Int) -> Incident {
            guard incident.timeline.count > limit else { return incident }
            var copy = incident
            copy.timeline = Array(copy.timeline.suffix(limit))
            return copy
        }
    }

    /// A track on a camera, within an incident type.
    private struct TrackKey: Hashable {
        var type: Int
        var camera: Int
        var track: UInt64
    }

    let settings: FusionSettings
    let city: CityModel
    let latenessMs: Int64
    private var open: [String: Open] = [:]
    /// Type number → its open incidents.
    private var openByType: [[Open]] = []
    private var dirty: [Open] = []
    /// Kind number (`kinds`) → incident type number, resolved once per kind (`.some(nil)`: ignored).
    private var kindTypes = ByKindNumber<Int?>()
    private var typeNames: [String] = []
    let kinds: KindNumbers

    private func typeOfKind(_ kind: EventKind, number k: Int) -> Int? {
        if let known = kindTypes[k] { return known }
        var number: Int?
        if let name = settings.type(of: kind) {
            if let existing = typeNames.firstIndex(of: name) {
                number = existing
            } else {
                typeNames.append(name)
                openByType.append([])
                latestByCamera.append(Array(repeating: nil, count: cameraIDs.count))
                latestTimeByCamera.append(Array(repeating: .min, count: cameraIDs.count))
                number = typeNames.count - 1
            }
        }
        kindTypes[k] = .some(number)
        return number
    }

    /// Camera id → number; numbers index `cameraIDs`, `near`, `linkable` and `latestByCamera`.
    private var cameraNumbers: [String: Int] = [:]
    private var cameraIDs: [String] = []
    /// Camera → cameras it merges with (itself, same site, within `distance_m`).
    private var near: [[Int]] = []
    /// Camera → other cameras within `link_distance_m`, with the distance.
    private var linkable: [[(camera: Int, metres: Double)]] = []
    /// Type → camera → the latest open incident with an event on that camera ...
    private var latestByCamera: [[Open?]] = []
    /// ... and its last event time on that camera (its `cameraLast` entry, kept here so that a
    /// track's link search reads an array instead of probing each candidate's dictionary: those
    /// probes were 5 % of fusion + library in a `perf` profile of `bench scenarios`).
    private var latestTimeByCamera: [[Int64]] = []
    /// Track → the open incident holding it.
    private var incidentOfTrack: [TrackKey: Open] = [:]
    private var newestMs: Int64 = .min
    private(set) var watermarkMs: Int64 = .min
    private(set) var late = 0
    private(set) var fused = 0

    init(settings: FusionSettings, city: CityModel, latenessMs: Int64, kinds: KindNumbers = KindNumbers()) {
        self.kinds = kinds
        self.settings = settings
        self.city = city
        self.latenessMs = latenessMs
        cameraIDs = city.cameras.map(\.id)
        cameraNumbers = Dictionary(cameraIDs.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        near = city.cameras.indices.map { [$0] }
        linkable = city.cameras.map { _ in [] }
        for (i, a) in city.cameras.enumerated() {
            for (j, b) in city.cameras.enumerated() where b.id != a.id {
                let d = city.distanceMetres(a.id, b.id)
                if (a.site != nil && a.site == b.site) || (d.map { $0 <= settings.distanceMetres } ?? false) { near[i].append(j) }
                if let d, d <= settings.linkDistanceMetres { linkable[i].append((j, d)) }
            }
        }
    }

    /// The number of a camera; one outside the city model (stored events of a camera since
    /// removed) gets a number of its own, near only itself. `hint`: the camera's position in the
    /// city model as the input says (`ScenarioInput.cameraIndex`), used when it names this camera.
    private func cameraNumber(_ id: String, hint: Int) -> Int {
        if hint >= 0, hint < cameraIDs.count, cameraIDs[hint] == id { return hint }
        if let n = cameraNumbers[id] { return n }
        let n = cameraIDs.count
        cameraIDs.append(id)
        cameraNumbers[id] = n
        near.append([n])
        linkable.append([])
        for t in latestByCamera.indices {
            latestByCamera[t].append(nil)
            latestTimeByCamera[t].append(.min)
        }
        return n
    }

    var openCount: Int { open.count }
    /// The ids of the open incidents (a warm start keeps them open in the database).
    var openIDs: Set<String> { Set(open.keys) }

    func fuse(_ input: ScenarioInput, into updates: inout [IncidentUpdate]) {
        fuse(input, kindNumber: kinds.number(of: input.event.kind), into: &updates)
    }

    /// `kindNumber`: the input's kind numbered by `kinds`.
    func fuse(_ input: ScenarioInput, kindNumber: Int, into updates: inout [IncidentUpdate]) {
        guard input.source == .event, let type = typeOfKind(input.event.kind, number: kindNumber) else { return }
        let event = input.event
        let t = event.captureTimeMs
        guard t >= watermarkMs else {
            late += 1
            return
        }
        fused += 1
        let camera = cameraNumber(event.cameraID, hint: input.cameraIndex)
        let track = event.trackID == 0 ? nil : TrackKey(type: type, camera: camera, track: event.trackID)
        let entry = Incident.Entry(
            timeMs: t, cameraID: event.cameraID, district: input.district, kind: event.kind, severity: event.severity, event: input.reference)
        // A track not found in `incidentOfTrack` is in no open incident: joins add it unchecked.
        if let (target, viaTrack) = match(type: type, camera: camera, track: track, timeMs: t) {
            join(target, entry, camera: camera, newTrack: viaTrack ? nil : track, into: &updates)
            return resolveIfNewest(t, into: &updates)
        }
        let name = typeNames[type]
        let id = "\(name)-\(input.agentID)-\(event.id)"
        if let existing = open[id], existing.type == type {
            // The same opening event fused again: its id names one incident, joined rather than
            // shadowed by a second one.
            join(existing, entry, camera: camera, newTrack: track, into: &updates)
        } else {
            let incident = Incident(
                id: id, type: name, status: .open, severity: event.severity, openedMs: t, lastMs: t,
                resolvedMs: nil, cameras: [], districts: [], tracks: [], eventCount: 0, timeline: [])
            let o = Open(incident, type: type)
            open[incident.id] = o
            openByType[type].append(o)
            join(o, entry, camera: camera, newTrack: track, into: &updates, opening: true)
        }
        resolveIfNewest(t, into: &updates)
    }

    /// Event time moved on: incidents quiet since the watermark resolve.
    private func resolveIfNewest(_ t: Int64, into updates: inout [IncidentUpdate]) {
        guard t > newestMs else { return }
        newestMs = t
        resolveQuiet(watermark: t - latenessMs, into: &updates)
    }

    /// The open incident the event joins, and whether it was found by the event's track.
    private func match(type: Int, camera: Int, track: TrackKey?, timeMs t: Int64) -> (Open, viaTrack: Bool)? {
        if let track, let o = incidentOfTrack[track] { return (o, true) }
        let latest = latestByCamera[type]
        let latestTime = latestTimeByCamera[type]
        let window = Int64(settings.windowSeconds) * 1000
        var best: Open?
        for other in near[camera] {
            guard let o = latest[other], o.incident.lastMs >= t - window else { continue }
            if best == nil || o.incident.lastMs > best!.incident.lastMs { best = o }
        }
        if let best { return (best, false) }
        guard track != nil else { return nil }
        for (other, metres) in linkable[camera] {
            let last = latestTime[other]
            guard let o = latest[other], last <= t, t - last <= window else { continue }
            if metres / max(Double(t - last) / 1000, 1) <= settings.maxSpeedMetresPerSecond { return (o, false) }
        }
        return nil
    }

    /// `newTrack`: the event's track when no open incident holds it yet.
    private func join(
        _ o: Open, _ entry: Incident.Entry, camera: Int, newTrack track: TrackKey?, into updates: inout [IncidentUpdate], opening: Bool = false
    ) {
        // Mutated in place (not copied out and back): the timeline array is not copied per event.
        var material = opening
        let previousOnCamera = o.cameraLast[camera]
        if previousOnCamera == nil { o.incident.cameras.append(entry.cameraID); material = true }
        if !o.incident.districts.contains(entry.district) { o.incident.districts.append(entry.district); material = true }
        if let track {
            o.incident.tracks.append("\(entry.cameraID)#\(track.track)")
            o.trackOrder.append(track)
            incidentOfTrack[track] = o
            if o.incident.tracks.count > settings.timelineLimit {
                // Bounded like the timeline: an incident that never goes quiet keeps its latest tracks.
                o.incident.tracks.removeFirst()
                incidentOfTrack[o.trackOrder.removeFirst()] = nil
            }
        }
        if entry.severity > o.incident.severity { o.incident.severity = entry.severity; material = true }
        o.incident.lastMs = max(o.incident.lastMs, entry.timeMs)
        o.incident.openedMs = min(o.incident.openedMs, entry.timeMs)
        o.incident.eventCount += 1
        o.incident.timeline.append(entry)
        if o.incident.timeline.count > 2 * settings.timelineLimit {
            // Trimmed in chunks: one O(n) move per `timeline_limit` events, not per event.
            o.incident.timeline.removeFirst(o.incident.timeline.count - settings.timelineLimit)
        }
        let lastOnCamera = max(previousOnCamera ?? .min, entry.timeMs)
        o.cameraLast[camera] = lastOnCamera
        // Usually it already is the camera's latest: storing it again cost a retain and a release,
        // 8 % of fusion + library in a `perf` profile of `bench scenarios`.
        if latestByCamera[o.type][camera] !== o { latestByCamera[o.type][camera] = o }
        latestTimeByCamera[o.type][camera] = lastOnCamera
        markDirty(o)
        if material { updates.append(IncidentUpdate(change: opening ? .opened : .updated, incident: o.trimmed(settings.timelineLimit))) }
    }

    private func markDirty(_ o: Open) {
        guard !o.dirty else { return }
        o.dirty = true
        dirty.append(o)
    }

    /// Raises the open incidents holding any of these events on their timelines (or named) to at
    /// least `severity`. `cameras` are the events' cameras (an activation's): only incidents on one
    /// of them, and still below `severity`, are searched. (No event → incident map: keeping one
    /// cost about a tenth of fusion + library per event, in a `perf` profile of `bench scenarios`,
    /// for what only escalations ask.)
    func escalate(
        events: [EventReference], cameras: [String], incidents named: [String] = [], to severity: Severity, into updates: inout [IncidentUpdate]
    ) {
        var holder: [EventReference: Open] = [:]
        if !events.isEmpty {
            let ids = Set(events.map(\.eventID))
            let numbers = cameras.compactMap { cameraNumbers[$0] }
            for list in openByType {
                for o in list where o.incident.severity < severity && numbers.contains(where: { o.cameraLast[$0] != nil }) {
                    for entry in o.incident.timeline where ids.contains(entry.event.eventID) && events.contains(entry.event) {
                        holder[entry.event] = o
                    }
                }
            }
        }
        var seen = Set<ObjectIdentifier>()
        for o in events.compactMap({ holder[$0] }) + named.compactMap({ open[$0] }) where seen.insert(ObjectIdentifier(o)).inserted {
            guard o.isOpen, o.incident.severity < severity else { continue }
            o.incident.severity = severity
            markDirty(o)
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
        for type in openByType.indices {
            // Most passes resolve nothing: the list is rebuilt only when something goes quiet.
            guard w == .max || openByType[type].contains(where: { $0.incident.lastMs < w - quiet }) else { continue }
            var keep: [Open] = []
            for o in openByType[type] {
                guard w == .max || o.incident.lastMs < w - quiet else {
                    keep.append(o)
                    continue
                }
                o.isOpen = false
                o.incident.status = .resolved
                o.incident.resolvedMs = o.incident.lastMs.saturatingAdd(quiet)
                for track in o.trackOrder where incidentOfTrack[track] === o { incidentOfTrack[track] = nil }
                for camera in o.cameraLast.keys where latestByCamera[type][camera] === o { latestByCamera[type][camera] = nil }
                if open[o.incident.id] === o { open[o.incident.id] = nil }
                markDirty(o)
                updates.append(IncidentUpdate(change: .resolved, incident: o.trimmed(settings.timelineLimit)))
            }
            openByType[type] = keep
        }
    }

    /// Incidents changed since the last call (to persist), open or just resolved.
    func takeDirty() -> [Incident] {
        var byID: [String: Incident] = [:]
        for o in dirty {
            o.dirty = false
            // An open incident wins over a resolved one of the same id.
            if o.isOpen || byID[o.incident.id] == nil { byID[o.incident.id] = o.trimmed(settings.timelineLimit) }
        }
        dirty.removeAll(keepingCapacity: true)
        return byID.values.sorted { $0.openedMs < $1.openedMs }
    }
}
