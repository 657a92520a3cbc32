import ArgumentParser
import Foundation
import Shared

/// `aggregator dictionary train`: trains a zstd dictionary from sample batches. Agents and the
/// aggregator then share it (config `shipping.dictionary` / `ingest.dictionaries`).
struct DictionaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dictionary", abstract: "Train zstd dictionaries for batch compression.",
        subcommands: [Train.self])

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a dictionary from sample batches (raw protobuf or zstd-compressed bodies).")

        @Option(help: "Where to write the dictionary.") var out: String
        @Option(help: "Largest dictionary size in bytes.") var capacity = 16 * 1024
        @Flag(help: "Replace --out if it exists.") var force = false
        @Flag(help: "Print a JSON summary.") var json = false
        @Argument(help: "Sample files, or directories of them.") var samples: [String]

        func run() throws {
            let files = try Self.expand(samples)
            let decompressor = ZstdDecompressor()
            var payloads: [[UInt8]] = []
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw ValidationError("cannot read sample \(file)")
                }
                let bytes = [UInt8](data)
                // A compressed body is decompressed first: the dictionary must model the protobuf.
                let raw = (try? decompressor.decompress(bytes)) ?? bytes
                _ = try BatchDecoder().decodeProtobuf(raw)  // only valid batches make a good dictionary
                payloads.append(raw)
            }
            let dictionary = try ZstdDictionaryTrainer.train(samples: payloads, capacity: capacity)
            let id = try ZstdDictionary(bytes: dictionary).id
            if !force, FileManager.default.fileExists(atPath: out) {
                throw ValidationError("\(out) exists; pass --force to replace it")
            }
            guard FileManager.default.createFile(atPath: out, contents: Data(dictionary)) else {
                throw ValidationError("cannot write \(out)")
            }
            let summary = "dictionary \(id): \(dictionary.count) bytes from \(payloads.count) samples -> \(out)"
            if json {
                print(#"{"dictionary_id":\#(id),"bytes":\#(dictionary.count),"samples":\#(payloads.count),"path":"\#(out)"}"#)
            } else {
                print(summary)
            }
        }

        static func expand(_ paths: [String]) throws -> [String] {
            var files: [String] = []
            for path in paths {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                    throw ValidationError("\(path) does not exist")
                }
                if isDirectory.boolValue {
                    let names = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
                    files += names.filter { !$0.hasPrefix(".") }.map { "\(path)/\($0)" }
                } else {
                    files.append(path)
                }
            }
            return files
        }
    }
}
