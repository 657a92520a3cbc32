import Foundation
import Hummingbird
import NIOCore
import Shared

/// The handlers behind `APIServer`'s routes.
enum APIRoutes {
    typealias D = APIServer.Dependencies

    /// An integer parameter within a range (400 otherwise); nil when absent.
    static func integer(_ request: Request, _ name: String, _ range: ClosedRange<Int64>) throws -> Int64? {
        guard let text = request.uri.queryParameters[Substring(name)] else { return nil }
        guard let value = Int64(text), range.contains(value) else {
            throw APIFailure.badParameter(name, "expected an integer within \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    static func string(_ request: Request, _ name: String) throws -> String? {
        guard let text = request.uri.queryParameters[Substring(name)] else { return nil }
        guard !text.isEmpty, text.utf8.count <= 256 else { throw APIFailure.badParameter(name, "expected 1 to 256 bytes") }
        return String(text)
    }

    /// A time: ms since the epoch or ISO-8601.
    static func time(_ request: Request, _ name: String) throws -> Int64? {
        guard let text = request.uri.queryParameters[Substring(name)] else { return nil }
        if let ms = TimeArgument.milliseconds(String(text)), ms >= 0 { return ms }
        throw APIFailure.badParameter(name, "expected ms since the epoch or an ISO-8601 time")
    }

    // MARK: Events

    struct EventJSON: Encodable {
        let stored: StoredEvent
        enum CodingKeys: String, CodingKey { case agentID = "agent_id", district, receivedAtMs = "received_at_ms", event }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(stored.agentID, forKey: .agentID)
            try c.encode(stored.district, forKey: .district)
            try c.encode(stored.receivedAtMs, forKey: .receivedAtMs)
            try c.encode(stored.event, forKey: .event)
        }
    }

    struct Page<T: Encodable>: Encodable {
        let items: [T]
        let nextCursor: String?
        enum CodingKeys: String, CodingKey { case items, nextCursor = "next_cursor" }
    }

    /// Newest first; `cursor` continues from the last page's `next_cursor`.
    static func events(_ request: Request, _ d: D) async throws -> Response {
        var query = EventQuery()
        query.fromMs = try time(request, "from")
        query.toMs = try time(request, "to")
        query.district = try string(request, "district")
        query.camera = try string(request, "camera")
        query.kind = try string(request, "kind")
        query.agent = try string(request, "agent")
        query.limit = Int(try integer(request, "limit", 1...1000) ?? 100)
        if let cursor = try string(request, "cursor") {
            guard let decoded = decodeCursor(cursor) else { throw APIFailure.badParameter("cursor", "not a cursor from this API") }
            query.before = decoded
        }
        if let severity = try string(request, "min_severity"), Severity(rawValue: severity) == nil {
            throw APIFailure.badParameter("min_severity", "expected one of \(Severity.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let minimum = try string(request, "min_severity").flatMap(Severity.init(rawValue:))
        let zone = try string(request, "zone")
        let stored = try await d.store.events(query)
        // Severity and zone filter the page (the store indexes time, district, camera and kind).
        let items = stored.filter { e in (minimum.map { e.event.severity >= $0 } ?? true) && (zone.map { e.event.zone == $0 } ?? true) }
        let next = stored.count == query.limit ? stored.last.map { encodeCursor(EventCursor(captureTimeMs: $0.event.captureTimeMs, agentID: $0.agentID, eventID: $0.event.id)) } : nil
        return APIJSON.response(Page(items: items.map(EventJSON.init), nextCursor: next))
    }

    static func encodeCursor(_ c: EventCursor) -> String {
        Data("\(c.captureTimeMs)\u{1F}\(c.agentID)\u{1F}\(c.eventID)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func decodeCursor(_ text: String) -> EventCursor? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let plain = String(data: data, encoding: .utf8) else { return nil }
        let parts = plain.split(separator: "\u{1F}", omittingEmptySubsequences: false)
        guard parts.count == 3, let t = Int64(parts[0]), let id = UInt64(parts[2]) else { return nil }
        return EventCursor(captureTimeMs: t, agentID: String(parts[1]), eventID: id)
    }

    // MARK: Incidents, activations, scenarios, city

    static func incidents(_ request: Request, _ d: D) throws -> Response {
        let status = try string(request, "status").map { text -> Incident.Status in
            guard let s = Incident.Status(rawValue: text) else { throw APIFailure.badParameter("status", "expected open, acknowledged or resolved") }
            return s
        }
        let limit = Int(try integer(request, "limit", 1...1000) ?? 100)
        return APIJSON.response(Page(items: try d.actions.incidents(limit: limit, status: status), nextCursor: nil))
    }

    static func activations(_ request: Request, _ d: D) throws -> Response {
        let limit = Int(try integer(request, "limit", 1...1000) ?? 100)
        return APIJSON.response(Page(items: try d.actions.activations(limit: limit, scenario: try string(request, "scenario")), nextCursor: nil))
    }

    struct ScenarioJSON: Encodable {
        let id, title, domain, severity, feeds, edge, description: String
        let enabled: Bool
        let taxonomy: [Int]
    }

    static func scenarioList(_ d: D) -> Response {
        APIJSON.response(Page(items: d.scenarios.scenarios.map {
            ScenarioJSON(
                id: $0.id, title: $0.title, domain: $0.domain.rawValue, severity: $0.severity.rawValue, feeds: $0.feeds.rawValue, edge: $0.edge,
                description: $0.description, enabled: $0.enabled, taxonomy: $0.taxonomy)
        }, nextCursor: nil))
    }

    /// Re-reads the scenario directory; a set that does not validate is refused (422, every
    /// error with file:line) and the running one stays.
    static func reload(_ d: D) async throws -> Response {
        guard d.scenarios.directory != nil else { throw APIFailure(status: .conflict, code: "no_scenarios", message: "scenarios.directory is not configured") }
        switch d.scenarios.load() {
        case .success(let scenarios):
            await d.scenarios.apply(scenarios)
            return APIJSON.response(["scenarios": scenarios.count])
        case .failure(let failure):
            struct Body: Encodable {
                struct Inner: Encodable { let code: String; let message: String; let errors: [String] }
                let error: Inner
            }
            return APIJSON.response(
                Body(error: .init(code: "invalid_scenarios", message: "the scenario set does not validate; the running one stays", errors: failure.errors.map(\.description))),
                status: .unprocessableContent)
        }
    }

    static func setEnabled(_ id: String, _ enabled: Bool, _ d: D) async throws -> Response {
        var scenarios = d.scenarios.scenarios
        guard let i = scenarios.firstIndex(where: { $0.id == id }) else { throw APIFailure.notFound("scenario '\(id)'") }
        scenarios[i].enabled = enabled
        await d.scenarios.apply(scenarios)
        return APIJSON.response(["id": id, "enabled": enabled ? "true" : "false"])
    }

    static func city(_ d: D) -> Response {
        struct CityJSON: Encodable {
            struct District: Encodable { let id, name: String; let adjacent: [String] }
            struct Camera: Encodable { let id, agent, district: String; let site, reach, road: String?; let latitude, longitude: Double? }
            struct Flow: Encodable { let id, name: String; let districts, next: [String] }
            let city: String
            let districts: [District]
            let cameras: [Camera]
            let reaches, roads: [Flow]
        }
        let c = d.city
        return APIJSON.response(CityJSON(
            city: c.id, districts: c.districts.map { .init(id: $0.id, name: $0.name, adjacent: $0.adjacent) },
            cameras: c.cameras.map { .init(id: $0.id, agent: $0.agent, district: $0.district, site: $0.site, reach: $0.reach, road: $0.road, latitude: $0.latitude, longitude: $0.longitude) },
            reaches: c.reaches.nodes.map { .init(id: $0.id, name: $0.name, districts: $0.districts, next: $0.next) },
            roads: c.roads.nodes.map { .init(id: $0.id, name: $0.name, districts: $0.districts, next: $0.next) }))
    }

    // MARK: Fleet and statistics

    struct AgentJSON: Encodable {
        struct Camera: Encodable {
            let id, district: String
            /// Open device-health incident (tamper, video loss) on this camera, if any.
            let deviceIncident: String?
            /// The latest capture time stored for the camera, nil when it never reported.
            let lastEventMs: Int64?
            enum CodingKeys: String, CodingKey { case id, district, deviceIncident = "device_incident", lastEventMs = "last_event_ms" }
        }
        let agent: AgentRecord?
        let agentID: String
        let cameras: [Camera]
        let lastSeenAgeMs: Int64?
        /// The agent's latest own report (backlog, skew, certificate, cameras online, tamper).
        let health: FleetHealth.Report?
        enum CodingKeys: String, CodingKey { case agent = "store", agentID = "agent_id", cameras, lastSeenAgeMs = "last_seen_age_ms", health }
    }

    /// Every agent of the city model (and any other that committed): counters from the store, its
    /// cameras, and open device incidents on them.
    static func fleet(_ d: D) async throws -> Response {
        let records = Dictionary(uniqueKeysWithValues: try await d.store.agents().map { ($0.agentID, $0) })
        let device = try d.actions.incidents(limit: 1000, status: .open).filter { $0.type == "device" }
        let lastEvents = try await d.store.lastEventTimes()
        let ids = Set(d.city.cameras.map(\.agent)).union(records.keys).sorted()
        let now = d.now()
        return APIJSON.response(Page(items: ids.map { id in
            AgentJSON(
                agent: records[id], agentID: id,
                cameras: d.city.cameras.filter { $0.agent == id }.map { camera in
                    .init(
                        id: camera.id, district: camera.district, deviceIncident: device.first { $0.cameras.contains(camera.id) }?.id,
                        lastEventMs: lastEvents[camera.id])
                },
                lastSeenAgeMs: records[id].map { now - $0.lastSeenMs }, health: d.fleetHealth?.report(for: id))
        }, nextCursor: nil))
    }

    /// Events per hour, district and kind; `from`/`to` default to the last 24 h, at most 31 days.
    static func hourly(_ request: Request, _ d: D) async throws -> Response {
        let to = try time(request, "to") ?? d.now()
        let from = try time(request, "from") ?? to - 86_400_000
        guard from < to else { throw APIFailure.badParameter("from", "must be before to") }
        guard to - from <= 31 * 86_400_000 else { throw APIFailure.badParameter("from", "the range is at most 31 days") }
        return APIJSON.response(Page(items: try await d.store.hourlyCounts(fromMs: from, toMs: to), nextCursor: nil))
    }

    // MARK: Live stream

    /// Server-Sent Events of activations and incident changes (`types`, `district`, `min_severity`
    /// filter them); a comment line every 15 s keeps proxies from closing an idle stream.
    static func stream(_ request: Request, _ d: D) throws -> Response {
        let types = Set((try string(request, "types") ?? "activation,incident").split(separator: ",").map(String.init))
        guard types.isSubset(of: ["activation", "incident"]), !types.isEmpty else {
            throw APIFailure.badParameter("types", "expected activation, incident or both, comma-separated")
        }
        let district = try string(request, "district")
        let minimum = try string(request, "min_severity").map { text -> Severity in
            guard let s = Severity(rawValue: text) else { throw APIFailure.badParameter("min_severity", "not a severity") }
            return s
        }
        let (id, messages) = d.live.subscribe()
        let live = d.live
        let body = ResponseBody { writer in
            defer { live.unsubscribe(id) }
            try await writer.write(ByteBuffer(string: ": citywatch live stream\n\n"))
            // Ends when the feed closes (shutdown) or the client goes away (the write throws).
            for await m in messages {
                if m.type == LiveFeed.keepAlive.type {
                    try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    continue
                }
                guard types.contains(m.type), minimum.map({ m.severity >= $0 }) ?? true, district.map({ m.districts.contains($0) }) ?? true else { continue }
                try await writer.write(ByteBuffer(string: "event: \(m.type)\ndata: \(m.json)\n\n"))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
    }
}
