import CZstd

/// Trains a zstd dictionary from sample payloads (e.g. encoded batches before compression).
///
/// Small batches compress poorly on their own because zstd has seen nothing yet; a dictionary
/// trained on typical batches primes it with the strings and structures that recur.
public enum ZstdDictionaryTrainer {
    /// - Parameters:
    ///   - samples: at least a few dozen typical payloads; zstd needs a total of about 100× the
    ///     dictionary size for good results.
    ///   - capacity: the largest dictionary to produce, in bytes (default 16 KiB).
    public static func train(samples: [[UInt8]], capacity: Int = 16 * 1024) throws -> [UInt8] {
        guard samples.count >= 8 else { throw CompressionError.trainingFailed("need at least 8 samples, got \(samples.count)") }
        let sizes = samples.map(\.count)
        let joined = samples.flatMap { $0 }
        var dictionary = [UInt8](repeating: 0, count: capacity)
        let written = dictionary.withUnsafeMutableBytes { dict in
            joined.withUnsafeBytes { data in
                sizes.withUnsafeBufferPointer { sizes in
                    ZDICT_trainFromBuffer(
                        dict.baseAddress, dict.count, data.baseAddress, sizes.baseAddress, UInt32(sizes.count)
                    )
                }
            }
        }
        if ZDICT_isError(written) != 0 {
            throw CompressionError.trainingFailed(String(cString: ZDICT_getErrorName(written)))
        }
        return Array(dictionary.prefix(written))
    }
}
