import Logging
import Metrics
import ServiceLifecycle
import Shared

/// Every few seconds: spool gauges, a systemd STATUS line, and — when systemd asked for them —
/// watchdog pings. A ping needs the spool's lock, so an agent whose spool is stuck (a hung disk)
/// stops pinging and systemd restarts it.
struct AgentStatusService: Service {
    let spool: Spool
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
        let interval = min(watchdogInterval ?? .seconds(5), .seconds(5))
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let stats = spool.stats
                bytes.record(stats.bytes)
                backlog.record(stats.backlogBytes)
                segments.record(stats.segments)
                evicted.record(Double(stats.evictedEvents))
                corrupt.record(Double(stats.corruptRecords))
                try? notifier.status("\(cameras) cameras; spool backlog \(stats.backlogBytes) bytes; evicted \(stats.evictedEvents)")
                if watchdogInterval != nil { try? notifier.watchdog() }
                do { try await Task.sleep(for: interval) } catch { return }
            }
        }
    }
}
