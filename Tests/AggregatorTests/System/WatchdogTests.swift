import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Shared
import Synchronization
import Testing
import TestSupport

/// systemd's notification protocol as the units use it (Type=notify, WatchdogSec=): the services
/// send READY=1 and then WATCHDOG=1 pings to a datagram socket, and the agent's pings stop while
/// its main loop hangs (a spool stuck like a hung disk) and resume when it recovers.
@Suite struct WatchdogTests {
    /// A bound unix datagram socket that collects what is sent to it.
    final class NotifySocket: Sendable {
        let path: String
        private let fd: Int32
        private let inbox = Inbox()

        final class Inbox: Sendable {
            let messages = Mutex<[(at: ContinuousClock.Instant, text: String)]>([])
        }

        init(path: String) throws {
            self.path = path
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            #expect(bound == 0)
            var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let socketFD = fd, inbox = inbox
            Thread.detachNewThread {
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let n = recv(socketFD, &buffer, buffer.count, 0)
                    if n > 0 {
                        let text = String(decoding: buffer[..<n], as: UTF8.self)
                        inbox.messages.withLock { $0.append((ContinuousClock.now, text)) }
                    } else if n < 0, errno != EAGAIN, errno != EWOULDBLOCK, errno != EINTR {
                        return
                    }
                }
            }
        }

        func count(_ text: String, since: ContinuousClock.Instant? = nil) -> Int {
            inbox.messages.withLock { all in all.filter { m in m.text.contains(text) && (since.map { m.at >= $0 } ?? true) }.count }
        }

        func close() { shutdown(fd, Int32(SHUT_RDWR)); Foundation.close(fd) }
    }

    @Test func theAgentPingsWhileItsLoopRuns_andStopsWhileTheSpoolHangs() async throws {
        let directory = try TestPaths.temporaryDirectory("watchdog")
        let pki = try TestPKI(city: "testcity", agents: ["agent-1"])
        let notify = try NotifySocket(path: directory.appendingPathComponent("notify").path)
        let socket = directory.appendingPathComponent("admin.sock").path
        let config = directory.appendingPathComponent("agent.yaml").path
        let stallFile = directory.appendingPathComponent("stall").path
        let p = pki.directory
        try """
            agent_id: agent-1
            state_directory: state
            metrics: {port: 0}
            admin: {socket: \(socket)}
            shipping:
              endpoints: [https://127.0.0.1:\(try PostgresServer.freePort())]
              tls: {certificate: \(p.agentCertificatePath("agent-1")), key: \(p.agentKeyPath("agent-1")), ca: \(p.caCertificatePath)}
            cameras:
              - {id: cam-1-01, source: "synthetic:walkers"}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        // Pings every 200 ms (half of WATCHDOG_USEC).
        let agent = try RunningProcess("edge-agent", ["run", "--config", config], environment: [
            "NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000", "CITYWATCH_FAULT_STALL_FILE": stallFile,
        ])
        _ = try await agent.waitFor("admin socket listening")
        #expect(try await eventually(.seconds(30)) { notify.count("WATCHDOG=1") >= 3 }, "the agent pings while it runs")
        #expect(notify.count("READY=1") == 1)
        #expect(notify.count("STATUS=") >= 1)

        // The spool hangs while the trigger file exists: the status loop blocks on it, so the pings
        // stop. Waits are bounded polls, not timings: a loaded machine only makes them take longer.
        FileManager.default.createFile(atPath: stallFile, contents: nil)
        var silent = false
        let deadline = ContinuousClock.now + .seconds(40)
        while !silent, ContinuousClock.now < deadline {
            let start = ContinuousClock.now
            try await Task.sleep(for: .milliseconds(1_500))
            silent = notify.count("WATCHDOG=1", since: start) == 0
        }
        #expect(silent, "the pings stop while the main loop hangs")
        #expect(agent.isRunning)

        // When the spool answers again, so do the pings.
        try FileManager.default.removeItem(atPath: stallFile)
        let released = ContinuousClock.now
        let resumed = try await eventually(.seconds(30)) { notify.count("WATCHDOG=1", since: released) >= 2 }
        #expect(resumed, "pings resume once the spool answers again")
        #expect(await agent.terminate() == 0)
        notify.close()
        pki.cleanUp()
        try? FileManager.default.removeItem(at: directory)
    }

    @Test func theAggregatorSaysReady_pingsWhileItsStoreAnswers_andSurvivesSIGHUP() async throws {
        let aggregator = try AggregatorFixture()
        let notify = try NotifySocket(path: aggregator.directory.appendingPathComponent("notify").path)
        let server = try RunningProcess("aggregator", ["serve", "--config", aggregator.configPath], environment: [
            "NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000",
        ])
        _ = try await server.waitFor("ingest listening")
        #expect(try await eventually(.seconds(30)) { notify.count("WATCHDOG=1") >= 3 }, "the aggregator pings while its store answers")
        #expect(notify.count("READY=1") == 1)
        // Without a scenario directory there is nothing to reload, and SIGHUP must not end it.
        kill(server.pid, SIGHUP)
        _ = try await server.waitFor("nothing to reload")
        #expect(server.isRunning)
        #expect(await server.terminate() == 0)
        notify.close()
        await aggregator.cleanUp()
    }
}
