import Foundation
import Logging
import Metrics
import Shared
import Synchronization

/// The annotated frames agents upload (`PUT /v1/snapshots/{camera}/{name}` on the ingest listener),
/// kept as `<directory>/<agent>/<name>`: written durably (temporary file, fsync, link, directory
/// fsync), never replaced (a resend of a stored name is a success), the oldest removed when the
/// archive passes its cap. Served read-only by the operations API.
final class SnapshotArchive: Sendable {
    let directory: String
    let settings: SnapshotSettings
    private let logger: Logger
    /// Serialises stores, with the archive's size: the directories are listed only when a store
    /// takes it over the cap, not on every upload.
    private let writer: Mutex<Int>
    private static let stored = Counter(label: "citywatch_snapshots_total", dimensions: [("result", "stored")])
    private static let pruned = Counter(label: "citywatch_snapshots_total", dimensions: [("result", "pruned")])

    struct Entry: Sendable, Hashable, Codable {
        var agent: String
        var name: String
        var bytes: Int
        var storedAtMs: Int64

        enum CodingKeys: String, CodingKey { case agent, name, bytes, storedAtMs = "stored_at_ms" }
    }

    enum Outcome: Sendable, Equatable { case stored, alreadyStored }

    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    init(directory: String, settings: SnapshotSettings, logger: Logger) throws {
        self.directory = directory
        self.settings = settings
        self.logger = logger
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        writer = Mutex(0)
        writer.withLock { $0 = list().reduce(0) { $0 + $1.bytes } }
    }

    /// A file name an agent may use: `[A-Za-z0-9._-]`, 1–128 characters, ending in `.png`, not
    /// starting with a dot.
    static func isValidName(_ name: String) -> Bool {
        guard (5...128).contains(name.utf8.count), name.hasSuffix(".png"), !name.hasPrefix(".") else { return false }
        return name.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2E || c == 0x5F || c == 0x2D
        }
    }

    /// Stores `png` from `agent` (already authenticated) as `name`.
    func store(agent: String, name: String, png: [UInt8]) throws(IngestFailure) -> Outcome {
        guard Self.isValidName(name) else {
            throw IngestFailure(status: 400, code: "bad_name", message: "a snapshot name is 1-128 of [A-Za-z0-9._-], ending in .png", field: "name")
        }
        guard png.count <= settings.maxFileBytes else {
            throw IngestFailure(status: 413, code: "snapshot_too_large", message: "a snapshot may have at most \(settings.maxFileBytes) bytes, not \(png.count)")
        }
        guard png.starts(with: Self.pngSignature) else {
            throw IngestFailure(status: 400, code: "not_png", message: "the body is not a PNG image", field: "body")
        }
        let folder = directory + "/" + agent
        let path = folder + "/" + name
        return try writer.withLock { total throws(IngestFailure) -> Outcome in
            // Stores are serialised, so a name present now stays present for this write.
            if FileManager.default.fileExists(atPath: path) { return .alreadyStored }
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
                try SecureFile.write(png, to: path, mode: 0o640, overwrite: false)
            } catch {
                logger.warning("snapshot not stored", metadata: ["agent": "\(agent)", "name": "\(name)", "error": "\(error)"])
                throw IngestFailure.unavailable("snapshot_store_failed", "the snapshot could not be written; retry later")
            }
            Self.stored.increment()
            total += png.count
            if total > settings.maxBytes { total = prune() }
            return .stored
        }
    }

    /// Every stored snapshot, newest first (of `agent` when given).
    func list(agent: String? = nil) -> [Entry] {
        if let agent, !AgentIdentity.isValidName(agent) { return [] }
        let fm = FileManager.default
        let agents = agent.map { [$0] } ?? ((try? fm.contentsOfDirectory(atPath: directory)) ?? []).filter(AgentIdentity.isValidName)
        var entries: [Entry] = []
        for a in agents {
            for name in (try? fm.contentsOfDirectory(atPath: directory + "/" + a)) ?? [] where Self.isValidName(name) {
                guard let attributes = try? fm.attributesOfItem(atPath: directory + "/" + a + "/" + name) else { continue }
                let modified = (attributes[.modificationDate] as? Date) ?? .distantPast
                entries.append(Entry(
                    agent: a, name: name, bytes: (attributes[.size] as? Int) ?? 0, storedAtMs: Int64(modified.timeIntervalSince1970 * 1000)))
            }
        }
        return entries.sorted { ($0.storedAtMs, $0.name) > ($1.storedAtMs, $1.name) }
    }

    /// The PNG bytes of one snapshot; nil when there is none (or the names are not ones we store).
    func read(agent: String, name: String) -> [UInt8]? {
        guard Self.isValidName(name), AgentIdentity.isValidName(agent) else { return nil }
        return FileManager.default.contents(atPath: directory + "/" + agent + "/" + name).map(Array.init)
    }

    /// Removes the oldest snapshots while the archive is over its cap; returns its size after.
    private func prune() -> Int {
        var entries = list()
        var total = entries.reduce(0) { $0 + $1.bytes }
        while total > settings.maxBytes, let oldest = entries.popLast() {
            try? FileManager.default.removeItem(atPath: directory + "/" + oldest.agent + "/" + oldest.name)
            total -= oldest.bytes
            Self.pruned.increment()
        }
        return total
    }
}
