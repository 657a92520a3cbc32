import Foundation
import Metrics
import Synchronization

/// The snapshots the aggregator asked for (`take_snapshot`): PNG files in `<state>/snapshots`
/// waiting to be uploaded, the newest 200 kept, so that a burst of commands cannot fill the disk
/// the spool needs (older ones are evicted and counted). Uploaded files move to `sent/` (the
/// newest 50 kept, for `edge-agent snapshot` users on the box), refused ones to `refused/`.
/// Evicted snapshots not yet reported to the aggregator are counted in `.evicted` (a number), so
/// the next batches' eviction report carries them even across a restart.
struct SnapshotStore {
    let directory: String
    static let keep = 200
    static let keepSent = 50
    private static let evicted = Counter(label: "citywatch_agent_snapshots_total", dimensions: [("result", "evicted")])
    /// Unreported evictions per directory, read from `.evicted` once and written back on change
    /// (the shipper asks on every batch; cameras save while it reports).
    private static let counts = Mutex<[String: UInt64]>([:])

    func save(_ png: [UInt8], as name: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/" + name
        guard FileManager.default.createFile(atPath: path, contents: Data(png), attributes: [.posixPermissions: 0o640]) else {
            throw CertificateFilesError("cannot write \(path)")
        }
        let dropped = Self.prune(directory, keep: Self.keep)
        if dropped > 0 {
            Self.evicted.increment(by: dropped)
            adjustUnreported(by: Int64(dropped))
        }
    }

    /// Evicted snapshots the aggregator has not been told of.
    func unreportedEvictions() -> UInt64 {
        Self.counts.withLock { counts in counts[directory] ?? loaded(into: &counts) }
    }

    /// An acked batch reported `count` of them.
    func markReported(_ count: UInt64) {
        guard count > 0 else { return }
        adjustUnreported(by: -Int64(clamping: count))
    }

    private func adjustUnreported(by delta: Int64) {
        Self.counts.withLock { counts in
            let value = UInt64(max(0, Int64(clamping: counts[directory] ?? loaded(into: &counts)) + delta))
            counts[directory] = value
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try? "\(value)\n".write(toFile: directory + "/.evicted", atomically: true, encoding: .utf8)
        }
    }

    /// The count in `.evicted` (0 without one), now cached.
    private func loaded(into counts: inout [String: UInt64]) -> UInt64 {
        let text = try? String(contentsOfFile: directory + "/.evicted", encoding: .utf8)
        let value = text.flatMap { UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
        counts[directory] = value
        return value
    }

    /// Files waiting for upload, oldest first.
    func pending() -> [String] {
        Self.dated(directory).map(\.name)
    }

    func path(of name: String) -> String { directory + "/" + name }

    /// Moves an uploaded file to `sent/`.
    func markSent(_ name: String) { move(name, to: "sent", keep: Self.keepSent) }

    /// Moves a file the aggregator refused to `refused/` (kept for inspection, the newest 50).
    func markRefused(_ name: String) { move(name, to: "refused", keep: Self.keepSent) }

    private func move(_ name: String, to folder: String, keep: Int) {
        let target = directory + "/" + folder
        try? FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: target + "/" + name)
        try? FileManager.default.moveItem(atPath: directory + "/" + name, toPath: target + "/" + name)
        _ = Self.prune(target, keep: keep)
    }

    /// The PNG files of `directory`, oldest first.
    private static func dated(_ directory: String) -> [(name: String, modified: Date)] {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".png") }
        return files.map { name in
            let modified = (try? FileManager.default.attributesOfItem(atPath: directory + "/" + name)[.modificationDate] as? Date) ?? nil
            return (name, modified ?? .distantPast)
        }.sorted { ($0.modified, $0.name) < ($1.modified, $1.name) }
    }

    /// Deletes the oldest files beyond `keep`; returns how many.
    private static func prune(_ directory: String, keep: Int) -> Int {
        let files = dated(directory)
        guard files.count > keep else { return 0 }
        var removed = 0
        // Only what this call removed counts (two cameras saving at once may race for the same file).
        for old in files.prefix(files.count - keep) where (try? FileManager.default.removeItem(atPath: directory + "/" + old.name)) != nil {
            removed += 1
        }
        return removed
    }
}
