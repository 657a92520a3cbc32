import Foundation
import Shared

// libFuzzer harness for the batch decoder (docs/PROTOCOL.md, "Fuzzing"). Every input must either
// decode or throw a `BatchError`; a crash, a hang or a leak is a bug.
//
// Built with `-DFUZZING -parse-as-library -sanitize=fuzzer` (scripts/fuzz.sh) libFuzzer supplies
// `main`; in an ordinary build this file replays inputs given as arguments (e.g. a crash file).

nonisolated(unsafe) let fuzzDecoder = BatchDecoder(limits: BatchLimits(maxDecompressedBytes: 1 << 20, maxEvents: 2_000))

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBatchDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? fuzzDecoder.decode(bytes)
    _ = try? fuzzDecoder.decodeProtobuf(bytes)
    return 0
}

#if !FUZZING
for path in CommandLine.arguments.dropFirst() {
    guard let data = FileManager.default.contents(atPath: path) else {
        print("\(path): unreadable")
        exit(2)
    }
    let bytes = [UInt8](data)
    do {
        let batch = try fuzzDecoder.decode(bytes)
        print("\(path): compressed batch, \(batch.events.count) events")
    } catch {
        do {
            let batch = try fuzzDecoder.decodeProtobuf(bytes)
            print("\(path): protobuf batch, \(batch.events.count) events")
        } catch {
            print("\(path): refused: \(error)")
        }
    }
}
#endif
