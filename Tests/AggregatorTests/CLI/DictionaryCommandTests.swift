import Foundation
import Shared
import Testing
import TestSupport

/// Training a dictionary from sample batches that the agent's CLI wrote, with the real binaries.
@Suite struct DictionaryCommandTests {
    @Test func train_fromSyntheticBatches_givesAUsableDictionary() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dict-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let samples = dir.appendingPathComponent("samples").path
        let synth = try ProcessRunner.run("edge-agent", ["synth", "--count", "3000", "--batch-size", "20", "--out", samples])
        #expect(synth.status == 0, "\(synth.stderr)")
        let out = dir.appendingPathComponent("fleet.dict").path
        let trained = try ProcessRunner.run("aggregator", ["dictionary", "train", "--out", out, "--json", samples])
        #expect(trained.status == 0, "\(trained.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(trained.stdout.utf8)) as? [String: Any])
        #expect(summary["samples"] as? Int == 150)

        let dictionary = try ZstdDictionary(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: out))))
        #expect(summary["dictionary_id"] as? Int == Int(dictionary.id))
        var generator = SyntheticEventGenerator()
        let batch = EventBatch(agentID: "a", batchSeq: 1, events: generator.next(count: 20))
        let body = try BatchEncoder(dictionary: dictionary).encode(batch)
        #expect(try BatchDecoder(dictionaries: [dictionary]).decode(body).events == batch.events)

        let again = try ProcessRunner.run("aggregator", ["dictionary", "train", "--out", out, samples])
        #expect(again.status != 0)
        #expect(again.stderr.contains("--force"))
    }

    @Test func train_refusesFilesThatAreNotBatches() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dict-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for i in 0..<10 { try Data("not a batch \(i)".utf8).write(to: dir.appendingPathComponent("s\(i)")) }
        let result = try ProcessRunner.run("aggregator", ["dictionary", "train", "--out", dir.path + "/d", dir.path])
        #expect(result.status != 0)
        #expect(!result.stderr.isEmpty)
    }
}
