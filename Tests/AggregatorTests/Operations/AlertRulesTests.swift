import Foundation
import Testing
import TestSupport

/// The shipped Prometheus rules (Deploy/prometheus/citywatch-alerts.yaml) stay true to the code
/// and the docs: every alert has a runbook section in docs/OPERATIONS.md under its own name, and
/// every metric a rule reads is one the code registers. `promtool check rules` too, where
/// Prometheus's tool is installed.
@Suite struct AlertRulesTests {
    static let rulesPath = TestPaths.packageRoot.appendingPathComponent("Deploy/prometheus/citywatch-alerts.yaml").path
    static func text(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    static func matches(_ pattern: String, in text: String) throws -> [String] {
        let regex = try NSRegularExpression(pattern: pattern)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { m in
            Range(m.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    @Test func everyAlert_hasARunbookUnderItsName() throws {
        let rules = try Self.text(Self.rulesPath)
        let operations = try Self.text(TestPaths.packageRoot.appendingPathComponent("docs/OPERATIONS.md").path)
        let alerts = try Self.matches(#"- alert: (\w+)"#, in: rules)
        let runbooks = try Self.matches(#"runbook_url: "docs/OPERATIONS\.md#([a-z0-9-]+)""#, in: rules)
        #expect(alerts.count > 20)
        #expect(runbooks == alerts.map { $0.lowercased() }, "one runbook per alert, anchored by its name in lower case")
        let headings = Set(try Self.matches(#"(?m)^### (\w+)$"#, in: operations))
        let missing = Set(alerts).subtracting(headings)
        #expect(missing.isEmpty, "alerts without a section in docs/OPERATIONS.md: \(missing.sorted())")
    }

    @Test func everyMetricARuleReads_isOneTheCodeRegisters() throws {
        let rules = try Self.text(Self.rulesPath)
        let expressions = rules.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }.joined(separator: "\n")
        var read = Set(try Self.matches(#"(citywatch_[a-z0-9_]+)"#, in: expressions))
        // Histograms are read through their series.
        read = Set(read.map { name in
            for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) { return String(name.dropLast(suffix.count)) }
            return name
        })
        var sources = ""
        let root = TestPaths.packageRoot.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            if file.pathExtension == "swift" { sources += try String(contentsOf: file, encoding: .utf8) }
        }
        let registered = Set(try Self.matches(#""(citywatch_[a-z0-9_]+)""#, in: sources))
        #expect(!registered.isEmpty)
        let unknown = read.subtracting(registered)
        #expect(unknown.isEmpty, "metrics the rules read that no source registers: \(unknown.sorted())")
    }

    /// Prometheus's checker, where installed (Debian's `prometheus` package, which the test command
    /// does not install: it would also start a Prometheus server).
    static let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(.enabled(if: AlertRulesTests.promtool != nil, "promtool is not installed"))
    func promtool_acceptsTheRules() throws {
        let promtool = try #require(Self.promtool)
        let result = try ProcessRunner.runTool(promtool, ["check", "rules", Self.rulesPath])
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
    }
}
