import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
import Logging
import NIOCore
import NIOSSL
import Prometheus
import Shared

/// The operations API (docs/API.md): its own listener (HTTPS with a server certificate, or plain
/// HTTP on loopback), bearer tokens with roles, JSON everywhere, a live stream as Server-Sent Events.
enum APIServer {
    struct Dependencies: Sendable {
        var store: any EventStore
        var actions: ActionStore
        var city: CityModel
        var scenarios: ScenarioControl
        var live: LiveFeed
        var now: @Sendable () -> Int64
        var limiter = TokenRateLimiter(perSecond: 50, burst: 100)
        /// The process's metrics, also served on the API (with a token) for scrapers that only reach it.
        var metrics: PrometheusCollectorRegistry? = nil
        /// Agents' latest health reports (from their batches).
        var fleetHealth: FleetHealth? = nil
        /// The snapshots agents uploaded (nil: none kept).
        var snapshots: SnapshotArchive? = nil
    }

    static func application(
        settings: APISettings, tls: TLSConfiguration?, dependencies d: Dependencies, logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let router = Router()
        router.get("healthz") { _, _ in "ok\n" }
        for (path, type, text) in [
            ("/", "text/html; charset=utf-8", DashboardPage.html), ("dashboard.js", "text/javascript; charset=utf-8", DashboardPage.javascript),
            ("dashboard.css", "text/css; charset=utf-8", DashboardPage.css),
        ] {
            router.get(RouterPath(path)) { _, _ in
                Response(
                    status: .ok, headers: [.contentType: type, .contentSecurityPolicy: "default-src 'self'"],
                    body: .init(byteBuffer: ByteBuffer(string: text)))
            }
        }
        router.get("openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }
        router.get("readyz") { _, _ -> Response in
            do {
                _ = try await d.store.committedSequence(agent: "")
                return APIJSON.response(["ready": true])
            } catch {
                return APIJSON.error(.serviceUnavailable, "store_unavailable", "\(error)")
            }
        }
        route(router, .get, "v1/events", .viewer, d) { request, _ in try await APIRoutes.events(request, d) }
        route(router, .get, "v1/incidents", .viewer, d) { request, _ in try APIRoutes.incidents(request, d) }
        route(router, .get, "v1/incidents/:id", .viewer, d) { _, context in
            guard let incident = try d.actions.incident(id: try context.parameters.require("id")) else { throw APIFailure.notFound("incident") }
            return APIJSON.response(incident)
        }
        for (verb, status) in [("acknowledge", Incident.Status.acknowledged), ("resolve", .resolved)] {
            route(router, .post, "v1/incidents/:id/\(verb)", .operator, d) { _, context in
                guard let incident = try d.actions.setIncidentStatus(id: try context.parameters.require("id"), to: status, nowMs: d.now()) else {
                    throw APIFailure.notFound("incident")
                }
                guard incident.status == status else {
                    throw APIFailure(status: .conflict, code: "incident_resolved", message: "the incident is resolved; it cannot be acknowledged")
                }
                return APIJSON.response(incident)
            }
        }
        route(router, .get, "v1/activations", .viewer, d) { request, _ in try APIRoutes.activations(request, d) }
        route(router, .get, "v1/scenarios", .viewer, d) { _, _ in APIRoutes.scenarioList(d) }
        route(router, .post, "v1/scenarios/reload", .admin, d) { _, _ in try await APIRoutes.reload(d) }
        for (verb, enabled) in [("enable", true), ("disable", false)] {
            route(router, .post, "v1/scenarios/:id/\(verb)", .admin, d) { _, context in
                try await APIRoutes.setEnabled(try context.parameters.require("id"), enabled, d)
            }
        }
        route(router, .get, "v1/city", .viewer, d) { _, _ in APIRoutes.city(d) }
        route(router, .get, "v1/fleet", .viewer, d) { _, _ in try await APIRoutes.fleet(d) }
        route(router, .get, "v1/stats/hourly", .viewer, d) { request, _ in try await APIRoutes.hourly(request, d) }
        route(router, .get, "v1/stream", .viewer, d) { request, _ in try APIRoutes.stream(request, d) }
        route(router, .get, "v1/snapshots", .viewer, d) { request, _ in
            let agent = request.uri.queryParameters.get("agent")
            if let agent, !AgentIdentity.isValidName(agent) {
                throw APIFailure(status: .badRequest, code: "bad_parameter", message: "agent: '\(agent)' is not an agent id")
            }
            let limit = Int(try APIRoutes.integer(request, "limit", 1...1000) ?? 100)
            return APIJSON.response(["snapshots": Array((d.snapshots?.list(agent: agent) ?? []).prefix(limit))])
        }
        route(router, .get, "v1/snapshots/:agent/:name", .viewer, d) { _, context in
            guard let png = d.snapshots?.read(agent: try context.parameters.require("agent"), name: try context.parameters.require("name")) else {
                throw APIFailure.notFound("snapshot")
            }
            return Response(status: .ok, headers: [.contentType: "image/png"], body: .init(byteBuffer: ByteBuffer(bytes: png)))
        }
        route(router, .get, "metrics", .viewer, d) { _, _ in
            var buffer: [UInt8] = []
            d.metrics?.emit(into: &buffer)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        let server: HTTPServerBuilder = try tls.map { try .http2Upgrade(tlsConfiguration: $0) } ?? .http1()
        return Application(
            router: router, server: server,
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: nil),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? settings.port) },
            logger: logger)
    }

    /// Registers a handler behind the role check; failures become JSON errors.
    private static func route(
        _ router: Router<BasicRequestContext>, _ method: HTTPRequest.Method, _ path: RouterPath, _ role: APIToken.Role,
        _ d: Dependencies, _ handler: @escaping @Sendable (Request, BasicRequestContext) async throws -> Response
    ) {
        router.on(path, method: method) { request, context -> Response in
            do {
                guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
                    return APIJSON.error(.unauthorized, "unauthenticated", "an Authorization: Bearer token is required")
                }
                guard let token = try d.actions.authenticate(String(header.dropFirst("Bearer ".count))) else {
                    return APIJSON.error(.unauthorized, "unauthenticated", "the token is unknown or revoked")
                }
                if let retry = d.limiter.admit(token.id, nowMs: d.now()) {
                    var response = APIJSON.error(.tooManyRequests, "rate_limited", "this token sends more than \(d.limiter.perSecond) requests per second")
                    response.headers[.retryAfter] = "\(retry)"
                    return response
                }
                guard token.role >= role else {
                    return APIJSON.error(.forbidden, "forbidden", "this needs the \(role.rawValue) role; the token has \(token.role.rawValue)")
                }
                return try await handler(request, context)
            } catch let failure as APIFailure {
                return APIJSON.error(failure.status, failure.code, failure.message)
            } catch let error as HTTPError {
                return APIJSON.error(error.status, "bad_request", "\(error)")
            } catch {
                return APIJSON.error(.serviceUnavailable, "unavailable", "\(error)")
            }
        }
    }
}
