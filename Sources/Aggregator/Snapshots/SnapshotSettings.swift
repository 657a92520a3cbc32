import Shared

/// config `snapshots`: where the annotated frames agents upload are kept (docs/CONFIG-AGGREGATOR.md).
struct SnapshotSettings: Decodable, Sendable {
    /// Default: `snapshots` beside the operations database (`scenarios.database`).
    var directory: String?
    /// The archive's cap; the oldest files go first (default 1 GiB).
    var maxBytes = 1 << 30
    /// One upload's cap (default 4 MiB); larger is refused with 413.
    var maxFileBytes = 4 << 20

    enum CodingKeys: String, CodingKey { case directory, maxBytes = "max_bytes", maxFileBytes = "max_file_bytes" }

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        directory = try c.decodeIfPresent(String.self, forKey: .directory)
        maxBytes = try c.decode(.maxBytes, default: maxBytes)
        guard maxBytes >= 1 << 20 else { throw ConfigValueError("max_bytes must be at least 1 MiB", at: "max_bytes") }
        maxFileBytes = try c.decode(.maxFileBytes, default: maxFileBytes)
        guard maxFileBytes >= 1 << 10, maxFileBytes <= maxBytes else {
            throw ConfigValueError("max_file_bytes must be at least 1 KiB and at most max_bytes", at: "max_file_bytes")
        }
    }
}
