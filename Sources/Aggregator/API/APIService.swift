import ServiceLifecycle

/// Runs the API's HTTP application with what an endless stream needs: a keep-alive on the live
/// feed every 15 s, and on graceful shutdown the feed closed first, so that open Server-Sent Event
/// responses end and the server can stop.
struct APIService<App: Service>: Service {
    let app: App
    let live: LiveFeed

    func run() async throws {
        let live = self.live
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: .seconds(15))
                        live.publish(LiveFeed.keepAlive)
                    }
                }
                try await app.run()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            live.close()
        }
    }
}
