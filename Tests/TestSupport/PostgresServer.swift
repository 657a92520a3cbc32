import Foundation

/// A real PostgreSQL server for tests: Debian's binaries, a fresh cluster in a temporary
/// directory, loopback TCP on a free port, trust authentication for the superuser `citywatch`.
///
/// A small supervisor shell (a child of the test process) stops the server and removes its
/// directory within a second of the test process ending, however it ends (crash and kill -9
/// included), so no test leaves a server behind. As root, PostgreSQL runs as the `postgres`
/// user (it refuses to run as root) through `setpriv`, which execs without an extra process.
public final class PostgresServer: Sendable {
    public let port: Int
    public let user = "citywatch"
    public let directory: URL
    let bin: String
    let asPostgres: [String]
    let supervisor: Process

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// One server for the whole test process, started on first use; each test makes its own
    /// database with `createDatabase()`.
    public static func shared() async throws -> PostgresServer {
        try await SharedServer.instance.value
    }

    /// Starts a server of its own (for tests that stop and restart it).
    public static func start() throws -> PostgresServer {
        guard let bin = binDirectory() else {
            throw Failure(description: "PostgreSQL server binaries not found under /usr/lib/postgresql (scripts/test.sh installs Debian's postgresql)")
        }
        let directory = URL(fileURLWithPath: "/tmp/citywatch-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var asPostgres: [String] = []
        if geteuid() == 0 {
            guard let pw = getpwnam("postgres") else { throw Failure(description: "running as root but there is no 'postgres' user") }
            chown(directory.path, pw.pointee.pw_uid, pw.pointee.pw_gid)
            asPostgres = ["/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"]
        }
        let data = directory.appendingPathComponent("data").path
        let initdb = try ProcessRunner.runTool(
            asPostgres.first ?? "\(bin)/initdb",
            Array(asPostgres.dropFirst()) + (asPostgres.isEmpty ? [] : ["\(bin)/initdb"])
                + ["-D", data, "-U", "citywatch", "--auth=trust", "-E", "UTF8", "--no-sync"],
            timeout: .seconds(120))
        guard initdb.status == 0 else { throw Failure(description: "initdb failed: \(initdb.stderr)") }

        // The supervisor: polls the test process; when it is gone, stops the server and cleans up.
        let supervisor = Process()
        supervisor.executableURL = URL(fileURLWithPath: "/bin/sh")
        let pgctl = (asPostgres + ["\(bin)/pg_ctl"]).map { "'\($0)'" }.joined(separator: " ")
        supervisor.arguments = [
            "-c",
            """
            while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done
            \(pgctl) -D '\(data)' stop -m immediate >/dev/null 2>&1
            rm -rf '\(directory.path)'
            """,
        ]
        supervisor.standardOutput = FileHandle.nullDevice
        supervisor.standardError = FileHandle.nullDevice
        try supervisor.run()

        var lastError = ""
        for _ in 0..<5 {
            let port = try freePort()
            let server = PostgresServer(port: port, directory: directory, bin: bin, asPostgres: asPostgres, supervisor: supervisor)
            do {
                try server.startServer()
                return server
            } catch {
                lastError = "\(error)"
            }
        }
        throw Failure(description: "PostgreSQL did not start: \(lastError)")
    }

    init(port: Int, directory: URL, bin: String, asPostgres: [String], supervisor: Process) {
        self.port = port
        self.directory = directory
        self.bin = bin
        self.asPostgres = asPostgres
        self.supervisor = supervisor
    }

    /// A new, empty database; returns its name.
    public func createDatabase(_ prefix: String = "t") throws -> String {
        let name = "\(prefix)_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
        try psql("CREATE DATABASE \(name)")
        return name
    }

    /// Runs SQL with psql over TCP; throws with psql's message on failure.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        let out = try ProcessRunner.runTool(
            "\(bin)/psql", ["-h", "127.0.0.1", "-p", "\(port)", "-U", user, "-d", database, "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql])
        guard out.status == 0 else { throw Failure(description: "psql: \(out.stderr)") }
        return out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Fast shutdown (connections are closed), waiting until the server is down.
    public func stop() throws {
        try pgctl(["stop", "-m", "fast", "-w"])
    }

    /// Starts the stopped server again on the same port.
    public func startServer() throws {
        let options = "-p \(port) -k '\(directory.path)/data' -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=on"
        try pgctl(["start", "-w", "-t", "60", "-l", "\(directory.path)/data/server.log", "-o", options])
    }

    private func pgctl(_ arguments: [String]) throws {
        let command = asPostgres + ["\(bin)/pg_ctl", "-D", "\(directory.path)/data"] + arguments
        let out = try ProcessRunner.runDetaching(command[0], Array(command.dropFirst()))
        guard out.status == 0 else {
            let log = (try? String(contentsOfFile: "\(directory.path)/data/server.log", encoding: .utf8)) ?? ""
            throw Failure(description: "pg_ctl \(arguments.first ?? ""): \(out.stdout) \(out.stderr) \(log.suffix(2000))")
        }
    }

    /// The newest installed server version's binaries.
    static func binDirectory() -> String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        return versions.reversed().map { "\(root)/\($0)/bin" }.first { FileManager.default.isExecutableFile(atPath: "\($0)/initdb") }
    }

    /// A loopback port nobody listens on now (bound, read, released).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw Failure(description: "bind: \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

private enum SharedServer {
    static let instance = Task { try PostgresServer.start() }
}
