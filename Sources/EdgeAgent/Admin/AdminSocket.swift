import Foundation

/// Where the admin socket is, and plain connect checks on it.
enum AdminSocket {
    /// The daemon's socket: config `admin.socket`, else `$RUNTIME_DIRECTORY/admin.sock` (systemd's
    /// RuntimeDirectory=), else `admin.sock` in the state directory.
    static func daemonPath(configured: String?, stateDirectory: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let configured { return configured }
        if let runtime = environment["RUNTIME_DIRECTORY"]?.split(separator: ":").first, !runtime.isEmpty {
            return "\(runtime)/admin.sock"
        }
        return "\(stateDirectory)/admin.sock"
    }

    /// The default for the CLI without `--socket` or `--config`: the packaged unit's socket.
    static let defaultPath = "/run/edge-agent/admin.sock"

    /// Connects and hangs up: the errno of the failure, or 0 when someone listens.
    static func connectErrno(_ path: String) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return ENAMETOOLONG }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        return result == 0 ? 0 : errno
    }

    static func answers(_ path: String) -> Bool { connectErrno(path) == 0 }
}
