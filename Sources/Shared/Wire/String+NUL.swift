import Foundation

extension String {
    /// Whether the string holds U+0000, which the wire refuses (docs/PROTOCOL.md, "Limits"):
    /// `memchr` over the string's own UTF-8 when it has a contiguous buffer (the generic UTF-8
    /// view walk was a tenth of the agent's batch encoding, `perf`).
    var containsNUL: Bool {
        utf8.withContiguousStorageIfAvailable { bytes in
            guard let base = bytes.baseAddress else { return false }
            return memchr(base, 0, bytes.count) != nil
        } ?? utf8.contains(0)
    }
}
