import ArgumentParser
import Foundation
import Shared

/// `edge-agent diag --out FILE`: one file to attach to a ticket. A gzipped tar of the running
/// agent's status, cameras, spool, dead letters, recent log lines and configuration (secrets
/// masked), the journal's last lines when readable, and the versions of the agent, ffmpeg and
/// the system. What cannot be collected is listed in `MISSING.txt` instead of failing the bundle.
struct DiagCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diag", abstract: "Write a diagnostics bundle (tar.gz) with status, logs, redacted config and versions.")

    @Option(help: "Where to write the bundle (.tar.gz).") var out: String
    @Option(help: "systemd unit whose journal to include.") var unit = "edge-agent"
    @OptionGroup var admin: AdminOptions

    func run() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("edge-agent-diag-\(getpid())")
        let folder = work.appendingPathComponent("edge-agent-diag")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: work) }
        var collected: [String] = []
        var missing: [String] = []
        func save(_ name: String, _ bytes: [UInt8]) {
            FileManager.default.createFile(atPath: folder.appendingPathComponent(name).path, contents: Data(bytes), attributes: [.posixPermissions: 0o600])
            collected.append(name)
        }

        let client = try? admin.client
        var daemonError: String?
        if let client {
            do { try client.checkReachable() } catch { daemonError = "\(error)" }
        } else {
            daemonError = "no admin socket could be determined"
        }
        if let client, daemonError == nil {
            for (name, path) in [
                ("status.json", "/v1/status"), ("cameras.json", "/v1/cameras"), ("spool.json", "/v1/spool"),
                ("dead-letters.json", "/v1/dead-letters"), ("agent.log", "/v1/logs?limit=10000"), ("config.yaml", "/v1/config"),
                ("events.jsonl", "/v1/events?limit=512"),
            ] {
                do { save(name, try await client.request(path)) } catch { missing.append("\(name): \(error)") }
            }
        } else {
            missing.append("daemon state (status, spool, logs): \(daemonError ?? "")")
            let configPath = admin.config ?? AdminOptions.defaultConfig
            if let text = try? String(contentsOfFile: configPath, encoding: .utf8) {
                save("config.yaml", Array(ConfigRedaction.redact(text).utf8))
            } else {
                missing.append("config.yaml: cannot read \(configPath)")
            }
        }
        var versions = "edge-agent \(CitywatchVersion.current)\n"
        for (label, command) in [("ffmpeg", ["ffmpeg", "-hide_banner", "-version"]), ("kernel", ["uname", "-a"])] {
            if let output = Self.capture(command) {
                versions += "\(label): \(output.split(separator: "\n").first ?? "")\n"
            } else {
                missing.append("\(label) version: \(command[0]) did not run")
            }
        }
        if let release = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8) { versions += "\n" + release }
        save("versions.txt", Array(versions.utf8))
        if let journal = Self.capture(["journalctl", "--no-pager", "-o", "short-iso", "-n", "2000", "-u", unit]), !journal.isEmpty {
            save("journal.log", Array(ConfigRedaction.redact(journal).utf8))
        } else {
            missing.append("journal.log: journalctl -u \(unit) gave nothing (not under systemd, or no permission: add yourself to group systemd-journal)")
        }
        if !missing.isEmpty { save("MISSING.txt", Array((missing.joined(separator: "\n") + "\n").utf8)) }

        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let destination = out.hasPrefix("/") ? out : FileManager.default.currentDirectoryPath + "/" + out
        tar.arguments = ["tar", "-czf", destination, "-C", work.path, "edge-agent-diag"]
        try tar.run()
        tar.waitUntilExit()
        guard tar.terminationStatus == 0 else { throw CLIFailure(message: "tar could not write \(out)", code: 73) }
        chmod(destination, 0o600)
        if admin.json {
            let object: [String: Any] = ["out": destination, "files": collected, "missing": missing]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self))
        } else {
            print("wrote \(destination): \(collected.joined(separator: ", "))")
            for line in missing { print("missing: \(line)") }
        }
    }

    /// Standard output of a command, or nil when it does not run or fails.
    static func capture(_ command: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
    }
}
