import Foundation
import Testing
import TestSupport

/// The packaged units and the installer, as an operator meets them: `systemd-analyze verify`
/// clean and `systemd-analyze security` exposure at most 2.0 for each unit (systemd/check.sh),
/// and `Deploy/install.sh --root` idempotent, keeping edited configuration.
@Suite struct InstallTests {
    @Test func theUnitsVerifyCleanly_andAreSandboxedToAnExposureOfAtMostTwo() throws {
        let out = try ProcessRunner.runTool("/bin/bash", [TestPaths.packageRoot.appendingPathComponent("systemd/check.sh").path], timeout: .seconds(120))
        #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
        #expect(out.stdout.contains("verify: clean"))
        let levels = out.stdout.split(separator: "\n").compactMap { line -> (String, Double)? in
            guard let range = line.range(of: "Overall exposure level for ") else { return nil }
            let rest = line[range.upperBound...]
            guard let colon = rest.firstIndex(of: ":") else { return nil }
            let number = rest[rest.index(after: colon)...].split(separator: " ").first.flatMap { Double($0) }
            return number.map { (String(rest[..<colon]), $0) }
        }
        #expect(Set(levels.map(\.0)) == ["edge-agent.service", "edge-agent@river-1.service", "aggregator.service"], "\(out.stdout)")
        for (unit, level) in levels { #expect(level <= 2.0, "\(unit): exposure \(level)") }
    }

    @Test func installIntoARoot_isIdempotent_andKeepsEditedConfiguration() throws {
        let root = try TestPaths.temporaryDirectory("install")
        defer { try? FileManager.default.removeItem(at: root) }
        let script = TestPaths.packageRoot.appendingPathComponent("Deploy/install.sh").path
        let bin = ProcessRunner.productsDirectory.path
        let first = try ProcessRunner.runTool("/bin/bash", [script, "--root", root.path, "--bin-dir", bin], timeout: .seconds(120))
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        func path(_ p: String) -> String { root.path + p }
        let fm = FileManager.default
        for file in [
            "/usr/local/bin/edge-agent", "/usr/local/bin/aggregator", "/etc/systemd/system/edge-agent.service",
            "/etc/systemd/system/edge-agent@.service", "/etc/systemd/system/aggregator.service", "/etc/citywatch/edge-agent.yaml",
            "/etc/citywatch/aggregator.yaml",
        ] {
            #expect(fm.fileExists(atPath: path(file)), "\(file) installed")
        }
        #expect(try fm.attributesOfItem(atPath: path("/usr/local/bin/edge-agent"))[.posixPermissions] as? Int == 0o755)
        #expect(try fm.attributesOfItem(atPath: path("/etc/citywatch/edge-agent.yaml"))[.posixPermissions] as? Int == 0o640)
        let passwd = try String(contentsOfFile: path("/etc/passwd"), encoding: .utf8)
        #expect(passwd.contains("citywatch-agent:") && passwd.contains("citywatch-aggregator:"), "users from sysusers.d")

        // The installed binary runs, and the example agent configuration is valid but for the
        // certificate that enrollment will write.
        let check = try ProcessRunner.runTool(path("/usr/local/bin/edge-agent"), ["config", "check", path("/etc/citywatch/edge-agent.yaml"), "--json"])
        let result = try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any] ?? [:]
        let errors = result["errors"] as? [String] ?? ["unparsed: \(check.stdout) \(check.stderr)"]
        #expect(!errors.isEmpty && errors.allSatisfy { $0.contains("shipping.tls") }, "\(errors)")

        let edited = "# edited by the operator\n" + (try String(contentsOfFile: path("/etc/citywatch/edge-agent.yaml"), encoding: .utf8))
        try edited.write(toFile: path("/etc/citywatch/edge-agent.yaml"), atomically: true, encoding: .utf8)
        let second = try ProcessRunner.runTool("/bin/bash", [script, "--root", root.path, "--bin-dir", bin], timeout: .seconds(120))
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try String(contentsOfFile: path("/etc/citywatch/edge-agent.yaml"), encoding: .utf8) == edited, "an edited config is kept")
        #expect(fm.fileExists(atPath: path("/etc/citywatch/edge-agent.yaml.example")), "the new example goes beside it")
        let third = try ProcessRunner.runTool("/bin/bash", [script, "--root", root.path, "--bin-dir", bin], timeout: .seconds(120))
        #expect(third.status == 0 && third.stdout.contains("nothing changed"), "\(third.stdout)")
    }
}
