import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// The agent's admin socket: HTTP/1.1 over a unix socket (like Docker's), mode 0660 so that the
/// service's group (technicians are added to it) can use the CLI and nobody else can. A stale
/// socket left by a killed agent is replaced; one that another running agent answers on is not.
struct AdminServer: Service {
    let socketPath: String
    let context: AdminContext
    let logger: Logger

    func run() async throws {
        try Self.prepare(socketPath)
        let path = socketPath
        let logger = logger
        let application = Application(
            router: AdminRoutes.router(context),
            configuration: .init(address: .unixDomainSocket(path: path), serverName: nil),
            onServerRunning: { _ in
                if chmod(path, 0o660) != 0 {
                    logger.error("admin socket: chmod 0660 failed", metadata: ["socket": "\(path)", "errno": "\(errno)"])
                }
                logger.notice("admin socket listening", metadata: ["socket": "\(path)"])
            }, logger: logger)
        let board = context.board
        try await withGracefulShutdownHandler {
            try await application.run()
        } onGracefulShutdown: {
            // Open `events tail --follow` requests end, so that the server can stop.
            board.finishFollowers()
        }
        unlink(path)
    }

    /// Makes room for the socket: creates its directory, refuses a path too long for a unix
    /// socket, and removes a stale socket (one nobody answers on).
    static func prepare(_ path: String) throws {
        guard path.utf8.count < 104 else { throw AdminSocketError.pathTooLong(path) }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return }
        guard attributes[.type] as? FileAttributeType == .typeSocket else { throw AdminSocketError.notASocket(path) }
        if AdminSocket.answers(path) { throw AdminSocketError.inUse(path) }
        unlink(path)
    }
}

enum AdminSocketError: Error, CustomStringConvertible {
    case pathTooLong(String)
    case notASocket(String)
    case inUse(String)

    var description: String {
        switch self {
        case .pathTooLong(let p): "admin socket path is too long for a unix socket (max 103 bytes): \(p)"
        case .notASocket(let p): "\(p) exists and is not a socket; refusing to replace it (config admin.socket)"
        case .inUse(let p): "another agent is running with admin socket \(p) (two agents need two admin.socket paths)"
        }
    }
}
