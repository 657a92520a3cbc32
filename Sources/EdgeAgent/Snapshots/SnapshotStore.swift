import Foundation

/// The snapshots the aggregator asked for (`take_snapshot`): PNG files in `<state>/snapshots`,
/// the newest 200 kept, so that a burst of commands cannot fill the disk the spool needs.
struct SnapshotStore {
    let directory: String
    static let keep = 200

    func save(_ png: [UInt8], as name: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/" + name
        guard FileManager.default.createFile(atPath: path, contents: Data(png), attributes: [.posixPermissions: 0o640]) else {
            throw CertificateFilesError("cannot write \(path)")
        }
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".png") }
        guard files.count > Self.keep else { return }
        let dated = files.map { name -> (String, Date) in
            let modified = (try? FileManager.default.attributesOfItem(atPath: directory + "/" + name)[.modificationDate] as? Date) ?? nil
            return (name, modified ?? .distantPast)
        }.sorted { $0.1 < $1.1 }
        for (old, _) in dated.prefix(files.count - Self.keep) { try? FileManager.default.removeItem(atPath: directory + "/" + old) }
    }
}
