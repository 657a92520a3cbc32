import Foundation
import Metrics
import Shared
import Synchronization

/// Fans activations and incident changes out to live subscribers (`GET /v1/stream`). Each
/// subscriber has a buffer of the newest 256 messages: a client that stops reading loses the
/// oldest (counted), it never makes the aggregator hold more.
final class LiveFeed: Sendable {
    struct Message: Sendable, Hashable {
        /// `activation` or `incident`.
        var type: String
        var severity: Severity
        var districts: [String]
        /// The JSON object sent as the SSE `data:`.
        var json: String
    }

    static let bufferSize = 256
    /// A comment line, not an event: keeps proxies from closing an idle stream.
    static let keepAlive = Message(type: "keepalive", severity: .info, districts: [], json: "")
    private let subscribers = Mutex<[UUID: AsyncStream<Message>.Continuation]?>([:])
    private let dropped = Counter(label: "citywatch_api_stream_dropped_total")

    var subscriberCount: Int { subscribers.withLock { $0?.count ?? 0 } }

    /// A closed feed (shutting down) hands out streams that are already finished.
    func subscribe() -> (id: UUID, messages: AsyncStream<Message>) {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: Message.self, bufferingPolicy: .bufferingNewest(Self.bufferSize))
        continuation.onTermination = { [weak self] _ in self?.unsubscribe(id) }
        let open = subscribers.withLock { subscribers -> Bool in
            guard subscribers != nil else { return false }
            subscribers?[id] = continuation
            return true
        }
        if !open { continuation.finish() }
        Gauge(label: "citywatch_api_stream_subscribers").record(Double(subscriberCount))
        return (id, stream)
    }

    func unsubscribe(_ id: UUID) {
        let continuation = subscribers.withLock { $0?.removeValue(forKey: id) }
        continuation?.finish()
        Gauge(label: "citywatch_api_stream_subscribers").record(Double(subscriberCount))
    }

    /// Ends every stream (graceful shutdown: an endless response must not hold the server open).
    func close() {
        let all = subscribers.withLock { subscribers -> [AsyncStream<Message>.Continuation] in
            defer { subscribers = nil }
            return Array(subscribers?.values ?? [:].values)
        }
        for continuation in all { continuation.finish() }
    }

    func publish(_ message: Message) {
        let targets = subscribers.withLock { Array($0?.values ?? [:].values) }
        for continuation in targets {
            if case .dropped = continuation.yield(message) { dropped.increment() }
        }
    }

    func publish(_ activation: Activation) {
        guard subscriberCount > 0 else { return }  // no JSON encoding per activation for nobody
        publish(Message(type: "activation", severity: activation.severity, districts: activation.districts, json: APIJSON.string(activation)))
    }

    func publish(_ update: IncidentUpdate) {
        guard subscriberCount > 0 else { return }
        struct Body: Encodable {
            let change: String
            let incident: Incident
        }
        publish(Message(
            type: "incident", severity: update.incident.severity, districts: update.incident.districts,
            json: APIJSON.string(Body(change: update.change.rawValue, incident: update.incident))))
    }
}
