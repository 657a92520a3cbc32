import Foundation

/// The systemd notification protocol (`sd_notify(3)`): datagrams to `$NOTIFY_SOCKET`, a filesystem
/// path or, with a leading `@`, a Linux abstract socket. Written by hand because it is a dozen
/// lines of socket code and libsystemd is not a dependency worth taking on edge hardware.
///
/// Without `$NOTIFY_SOCKET` (not started by systemd) every call is a no-op.
public struct SystemdNotifier: Sendable {
    public let socketPath: String?

    /// - Parameter environment: the process environment (injected for tests).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let path = environment["NOTIFY_SOCKET"]
        socketPath = (path?.isEmpty ?? true) ? nil : path
    }

    public var isEnabled: Bool { socketPath != nil }

    /// `WATCHDOG_USEC` / 2, the interval at which to ping, when systemd asked for pings (and
    /// `WATCHDOG_PID`, if set, names this process).
    public static func watchdogInterval(
        environment: [String: String] = ProcessInfo.processInfo.environment, pid: Int32 = getpid()
    ) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let usec = UInt64(text), usec > 0 else { return nil }
        if let owner = environment["WATCHDOG_PID"], Int32(owner) != pid { return nil }
        return .microseconds(Int64(usec / 2))
    }

    public func ready(status: String? = nil) throws { try send(["READY=1"] + (status.map { ["STATUS=\($0)"] } ?? [])) }
    public func status(_ text: String) throws { try send(["STATUS=\(text)"]) }
    public func watchdog() throws { try send(["WATCHDOG=1"]) }
    public func stopping(status: String? = nil) throws { try send(["STOPPING=1"] + (status.map { ["STATUS=\($0)"] } ?? [])) }
    public func reloading(monotonicUsec: UInt64) throws { try send(["RELOADING=1", "MONOTONIC_USEC=\(monotonicUsec)"]) }

    /// Sends `assignments` (e.g. `READY=1`) as one datagram, newline-separated.
    public func send(_ assignments: [String]) throws {
        guard let socketPath else { return }
        let message = Array(assignments.joined(separator: "\n").utf8)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemdNotifierError(path: socketPath, errno: errno) }
        defer { close(fd) }

        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }  // abstract namespace
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { throw SystemdNotifierError(path: socketPath, errno: ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + pathBytes.count)
        let sent = message.withUnsafeBytes { buffer in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL), $0, length)
                }
            }
        }
        guard sent == message.count else { throw SystemdNotifierError(path: socketPath, errno: errno) }
    }
}

public struct SystemdNotifierError: Error, CustomStringConvertible {
    public let path: String
    public let errno: Int32
    public var description: String { "sd_notify to \(path) failed: \(String(cString: strerror(errno)))" }
}
