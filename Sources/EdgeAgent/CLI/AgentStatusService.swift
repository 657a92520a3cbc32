import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Shared

/// Every few seconds: spool and certificate gauges, the status board's rates, a systemd STATUS
/// line, and — when systemd asked for them — watchdog pings. A ping needs the spool's lock, so an
/// agent whose spool is stuck (a hung disk) stops pinging and systemd restarts it.
struct AgentStatusService: Service {
    let context: AdminContext
    let cameras: Int
    let notifier: SystemdNotifier
    /// Half of systemd's WATCHDOG_USEC, or nil when no watchdog is configured.
    let watchdogInterval: Duration?
    let logger: Logger

    func run() async throws {
        let bytes = Gauge(label: "citywatch_agent_spool_bytes")
        let backlog = Gauge(label: "citywatch_agent_spool_backlog_bytes")
        let segments = Gauge(label: "citywatch_agent_spool_segments")
        let evicted = Gauge(label: "citywatch_agent_spool_evicted_events")
        let corrupt = Gauge(label: "citywatch_agent_spool_corrupt_records")
        let oldest = Gauge(label: "citywatch_agent_spool_oldest_event_age_seconds")
        let deadLetters = Gauge(label: "citywatch_agent_dead_letters")
        let certificate = Gauge(label: "citywatch_agent_certificate_expiry_seconds")
        let interval = min(watchdogInterval ?? .seconds(5), .seconds(5))
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
                context.board.sample(nowMs: nowMs)
                context.controls?.expireSnapshots(nowMs: nowMs)
                let spool = context.spoolStatus(nowMs: nowMs)
                bytes.record(spool.bytes)
                backlog.record(spool.backlogBytes)
                segments.record(spool.segments)
                evicted.record(Double(spool.evictedEvents))
                corrupt.record(Double(spool.corruptRecords))
                oldest.record(Double(spool.oldestEventAgeMs ?? 0) / 1000)
                deadLetters.record(spool.deadLetters)
                var notAfterMs: Int64?
                if let path = context.certificatePath {
                    let status = CertificateStatus.read(path: path, nowMs: nowMs)
                    if status.error == nil {
                        certificate.record(status.expiresInSeconds)
                        notAfterMs = status.notAfterMs
                    }
                }
                let link = context.board.link
                context.board.health = Self.health(
                    nowMs: nowMs, spool: spool, link: link, certificateNotAfterMs: notAfterMs,
                    cameras: context.board.cameras(nowMs: nowMs, controls: nil))
                try? notifier.status("\(cameras) cameras; link \(link.state); spool backlog \(spool.backlogBytes) bytes; evicted \(spool.evictedEvents)")
                if watchdogInterval != nil { try? notifier.watchdog() }
                do { try await Task.sleep(for: interval) } catch { return }
            }
        }
    }

    /// What the agent reports about itself with each batch. A camera is online when it analysed a
    /// frame in the last 30 s.
    static func health(nowMs: Int64, spool: SpoolStatus, link: LinkStatus, certificateNotAfterMs: Int64?, cameras: [CameraStatus]) -> AgentHealth {
        AgentHealth(
            sampledAtMs: nowMs, spoolBacklogBytes: UInt64(max(0, spool.backlogBytes)), oldestEventAgeMs: spool.oldestEventAgeMs,
            clockSkewMs: link.clockSkewMs, certificateNotAfterMs: certificateNotAfterMs, cameras: UInt32(clamping: cameras.count),
            camerasOnline: UInt32(clamping: cameras.filter { ($0.lastFrameAgeMs ?? .max) < 30_000 }.count),
            tamperedCameras: Array(cameras.filter { !$0.tamper.isEmpty }.map(\.id).prefix(AgentHealth.maxTamperedCameras)),
            deadLetters: UInt32(clamping: spool.deadLetters), evictedEvents: spool.evictedEvents)
    }
}
