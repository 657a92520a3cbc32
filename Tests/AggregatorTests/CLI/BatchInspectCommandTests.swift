import Foundation
import Shared
import Testing
import TestSupport

/// `aggregator batch inspect` uses ingest's decoder: good bodies are summarised, hostile ones are
/// refused with their status, and a zstd bomb cannot blow up the process's memory.
@Suite struct BatchInspectCommandTests {
    let dir: URL

    init() throws { dir = try TestPaths.temporaryDirectory("inspect") }

    func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func goodBody_isSummarised() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        var generator = SyntheticEventGenerator()
        let body = try BatchEncoder().encode(EventBatch(agentID: "agent-x", batchSeq: 12, events: generator.next(count: 50)))
        let result = try ProcessRunner.run("aggregator", ["batch", "inspect", "--json", try write(body, "good.zst")])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(summary["agent_id"] as? String == "agent-x")
        #expect(summary["batch_seq"] as? Int == 12)
        #expect(summary["events"] as? Int == 50)
    }

    @Test func hostileBodies_areRefusedWithTheirStatus() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let random = try write((0..<512).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }, "random.bin")
        let bomb = try write(ZstdBomb.make(expandedBytes: 64 << 20, declareSize: true), "declared.zst")
        let result = try ProcessRunner.run("aggregator", ["batch", "inspect", random, bomb])
        #expect(result.status == 1)
        #expect(result.stdout.contains("random.bin: refused (HTTP 400)"))
        #expect(result.stdout.contains("declared.zst: refused (HTTP 413)"))
    }

    /// The decisive memory test: a 2 GiB streaming bomb against a real process. With the 32 MiB
    /// decompression limit its peak RSS stays a fraction of what the bomb would need.
    @Test func streamingBomb_keepsTheProcessMemoryBounded() throws {
        defer { try? FileManager.default.removeItem(at: dir) }
        let bomb = try write(ZstdBomb.make(expandedBytes: 2 << 30, declareSize: false), "bomb.zst")
        let (status, peak) = try ProcessRunner.runMeasuringMemory("aggregator", ["batch", "inspect", bomb])
        #expect(status == 1)
        #expect(peak > 0)
        #expect(peak < 160 << 20, "peak RSS \(peak >> 20) MiB while refusing a 2 GiB bomb")
    }
}
