import Logging
import ServiceLifecycle
import UnixSignals

/// SIGHUP (`systemctl reload edge-agent`): shipping reads its certificate, key and CA files again
/// — an operator who replaced them by hand needs no restart. Other configuration changes need a
/// restart (`systemctl restart edge-agent`; the spool keeps everything across it); the log says so.
struct ReloadOnHangup: Service {
    let client: ShippingClient
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            do {
                try client.reload()
                logger.notice("SIGHUP: certificate files reloaded; other configuration changes take effect at the next restart")
            } catch {
                logger.error("SIGHUP: certificate files not reloaded; shipping keeps the previous ones", metadata: ["error": "\(error)"])
            }
        }
    }
}
