import Foundation
import Shared

// libFuzzer harness for the batch decoder (docs/PROTOCOL.md, "Fuzzing"). Every input must either
// decode or throw a `BatchError`; a crash, a hang or a leak is a bug.
//
// Built with `-D FUZZING -parse-as-library -sanitize=fuzzer` (scripts/fuzz.sh) the entry point runs
// libFuzzer's driver; in an ordinary build `ReplayInputs` replays inputs given as arguments (e.g. a
// crash file).

nonisolated(unsafe) let fuzzDecoder = BatchDecoder(limits: BatchLimits(maxDecompressedBytes: 1 << 20, maxEvents: 2_000))

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBatchDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? fuzzDecoder.decode(bytes)
    _ = try? fuzzDecoder.decodeProtobuf(bytes)
    return 0
}

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

/// SwiftPM links an executable's entry point as `<module>_main`; hand it to libFuzzer's driver.
@_cdecl("FuzzBatchDecoder_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzzBatchDecoder)
}
#else
/// Replays inputs given as arguments (e.g. a crash file) through the same entry point.
@main
enum ReplayInputs {
    static func main() {
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
    }
}
#endif
