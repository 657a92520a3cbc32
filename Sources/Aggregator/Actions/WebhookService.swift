import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Shared

/// Delivers the webhook outbox: every second, the due deliveries are POSTed as CloudEvents (signed
/// when the webhook has a secret). A 2xx marks a delivery done; anything else (status, timeout,
/// refused connection) schedules a retry with full-jitter backoff, until the webhook's `max_age_h`,
/// after which the delivery is marked failed (metric and log line). The outbox is in the
/// operations database, so a restart resumes where it stopped.
struct WebhookService: Service {
    let webhooks: [String: WebhookSettings]
    let secrets: [String: [UInt8]]
    let store: ActionStore
    let cityID: String
    let now: @Sendable () -> Int64
    let logger: Logger

    func run() async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            while !Task.isShuttingDownGracefully, !Task.isCancelled {
                let due = (try? store.dueDeliveries(nowMs: now(), limit: 32)) ?? []
                for (delivery, activation) in due {
                    // Each attempt is bounded by its timeout; a stop does not wait for the rest.
                    if Task.isShuttingDownGracefully || Task.isCancelled { break }
                    await attempt(delivery, activation, client: client)
                }
                try? await Task.sleep(for: .seconds(due.isEmpty ? 1 : 0))
            }
        }
        try? await client.shutdown()
    }

    private func attempt(_ d: WebhookDelivery, _ a: Activation, client: HTTPClient) async {
        var d = d
        d.attempts += 1
        guard let settings = webhooks[d.webhook] else {
            d.status = .failed
            d.lastError = "webhook '\(d.webhook)' is no longer configured"
            try? store.updateDelivery(d)
            return
        }
        let body = CloudEvent.body(a, city: cityID)
        var request = HTTPClientRequest(url: settings.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: CloudEvent.contentType)
        request.headers.add(name: "User-Agent", value: "citywatch-aggregator/\(CitywatchVersion.current)")
        if let key = secrets[d.webhook] {
            request.headers.add(name: "X-Citywatch-Signature", value: CloudEvent.signature(body: body, key: key, unixSeconds: now() / 1000))
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        var error: String?
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(settings.timeoutMs)))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            if !(200..<300).contains(response.status.code) { error = "HTTP \(response.status.code)" }
        } catch let e {
            error = "\(e)"
        }
        let t = now()
        if let error {
            d.lastError = String(error.prefix(500))
            if t - d.createdAtMs >= Int64(settings.maxAgeHours) * 3_600_000 {
                d.status = .failed
                Counter(label: "citywatch_webhook_deliveries_total", dimensions: [("webhook", d.webhook), ("result", "failed")]).increment()
                logger.error("webhook delivery given up", metadata: ["webhook": "\(d.webhook)", "activation": "\(d.activationID)", "attempts": "\(d.attempts)", "error": "\(error)"])
            } else {
                let delay = Backoff.fullJitter(
                    failures: d.attempts, base: Double(settings.backoffBaseMs), cap: Double(settings.backoffCapMs), random: Double.random(in: 0..<1))
                d.nextAttemptMs = t + max(100, Int64(delay))
                Counter(label: "citywatch_webhook_deliveries_total", dimensions: [("webhook", d.webhook), ("result", "retry")]).increment()
                logger.warning("webhook delivery failed; will retry", metadata: ["webhook": "\(d.webhook)", "activation": "\(d.activationID)", "attempts": "\(d.attempts)", "error": "\(error)"])
            }
        } else {
            d.status = .delivered
            d.lastError = ""
            Counter(label: "citywatch_webhook_deliveries_total", dimensions: [("webhook", d.webhook), ("result", "delivered")]).increment()
        }
        do { try store.updateDelivery(d) } catch {
            logger.error("recording a webhook delivery failed", metadata: ["activation": "\(d.activationID)", "error": "\(error)"])
        }
    }
}
