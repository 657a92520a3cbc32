import Foundation
import Shared
import Testing
import TestSupport

/// Messages go through a real datagram socket that the test binds, as systemd's would be.
@Suite struct SystemdNotifierTests {
    /// A bound AF_UNIX datagram socket; `name` starting with `@` is abstract.
    final class Receiver {
        let fd: Int32
        let name: String

        init(name: String) throws {
            self.name = name
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            var bytes = Array(name.utf8)
            if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
            let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            guard bound == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EINVAL) }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        func receive() -> String? {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = recv(fd, &buffer, buffer.count, 0)
            return n < 0 ? nil : String(decoding: buffer.prefix(n), as: UTF8.self)
        }

        deinit {
            close(fd)
            if !name.hasPrefix("@") { unlink(name) }
        }
    }

    @Test func messages_arriveOnAFilesystemSocket() throws {
        let dir = try TestPaths.temporaryDirectory("notify")
        defer { try? FileManager.default.removeItem(at: dir) }
        let receiver = try Receiver(name: dir.appendingPathComponent("notify.sock").path)
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": receiver.name])
        #expect(notifier.isEnabled)
        try notifier.ready(status: "3 cameras")
        #expect(receiver.receive() == "READY=1\nSTATUS=3 cameras")
        try notifier.watchdog()
        #expect(receiver.receive() == "WATCHDOG=1")
        try notifier.status("shipping")
        #expect(receiver.receive() == "STATUS=shipping")
        try notifier.stopping()
        #expect(receiver.receive() == "STOPPING=1")
    }

    @Test func messages_arriveOnAnAbstractSocket() throws {
        let receiver = try Receiver(name: "@citywatch-test-\(UUID().uuidString)")
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": receiver.name])
        try notifier.ready()
        #expect(receiver.receive() == "READY=1")
    }

    @Test func withoutNotifySocket_everythingIsANoOp() throws {
        let notifier = SystemdNotifier(environment: [:])
        #expect(!notifier.isEnabled)
        try notifier.ready()
    }

    @Test func missingSocket_isAnError() {
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "/nonexistent/notify.sock"])
        #expect(throws: SystemdNotifierError.self) { try notifier.watchdog() }
    }

    @Test func watchdogInterval_isHalfTheTimeout_forThisProcessOnly() {
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "10000000"]) == .seconds(5))
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "10000000", "WATCHDOG_PID": "1"], pid: 2) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: [:]) == nil)
    }
}
