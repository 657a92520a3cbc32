import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Shared

/// The snapshot lane: uploads the files of the `SnapshotStore` to the aggregator
/// (`PUT /v1/snapshots/{camera}/{name}` with the agent's client certificate), oldest first, one at
/// a time and only while the event spool has nothing to send (`SnapshotLane`): events never wait
/// behind a picture. Fails over between the configured endpoints like the shipper.
struct SnapshotUploader: Service {
    let store: SnapshotStore
    let spool: Spool
    let client: ShippingClient
    let endpoints: [String]
    let logger: Logger
    var tick: Duration = .seconds(1)

    private let uploaded = Counter(label: "citywatch_agent_snapshots_total", dimensions: [("result", "uploaded")])
    private let refused = Counter(label: "citywatch_agent_snapshots_total", dimensions: [("result", "refused")])
    private let retried = Counter(label: "citywatch_agent_snapshots_total", dimensions: [("result", "retry")])

    func run() async throws {
        var lane = SnapshotLane()
        let clock = ContinuousClock()
        let origin = clock.now
        var endpoint = 0
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let now = (clock.now - origin).seconds
            if lane.mayUpload(now: now, eventBacklogBytes: spool.stats.backlogBytes), let name = store.pending().first {
                let outcome = await upload(name, to: endpoints[endpoint % endpoints.count])
                // Recorded first, success included: a success resets the lane's backoff.
                lane.record(outcome, now: (clock.now - origin).seconds, random: Double.random(in: 0..<1))
                switch outcome {
                case .stored:
                    store.markSent(name)
                    uploaded.increment()
                    continue  // the next one right away, if events still have nothing to send
                case .refused(let status):
                    store.markRefused(name)
                    refused.increment()
                    logger.error("snapshot refused by the aggregator; set aside", metadata: ["file": "\(name)", "status": "\(status)"])
                case .retryable:
                    endpoint += 1
                    retried.increment()
                }
            }
            try? await Task.sleep(for: tick)
        }
    }

    /// `<camera>-<ms>.png` → the camera.
    static func camera(of name: String) -> String? {
        guard name.hasSuffix(".png"), let dash = name.dropLast(4).lastIndex(of: "-") else { return nil }
        let camera = String(name[..<dash])
        return camera.isEmpty ? nil : camera
    }

    private func upload(_ name: String, to base: String) async -> SnapshotLane.Outcome {
        // A camera id or name outside what a URL path segment carries as is cannot be sent: set aside.
        guard let camera = Self.camera(of: name), let png = FileManager.default.contents(atPath: store.path(of: name)),
            let cameraSegment = camera.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])),
            let nameSegment = name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"]))
        else {
            return .refused(status: 0)
        }
        do {
            var request = HTTPClientRequest(url: base + "/v1/snapshots/" + cameraSegment + "/" + nameSegment)
            request.method = .PUT
            request.headers.add(name: "Content-Type", value: "image/png")
            request.body = .bytes(ByteBuffer(bytes: png))
            let response = try await client.current.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 64 << 10)
            let status = Int(response.status.code)
            if status >= 300 {
                logger.notice("snapshot not accepted", metadata: ["file": "\(name)", "status": "\(status)", "body": "\(String(String(buffer: body).prefix(300)))"])
            }
            return SnapshotLane.outcome(status: status, retryAfter: response.headers.first(name: "Retry-After").flatMap(Int.init))
        } catch {
            logger.notice("snapshot upload failed; will retry", metadata: ["file": "\(name)", "endpoint": "\(base)", "error": "\(error)"])
            return .retryable(retryAfterSeconds: nil)
        }
    }
}
