@testable import EdgeAgent
import Foundation
import Shared

/// An in-memory disk with the failure modes a crash has: file content written but not synced
/// may be lost, kept in part, or kept with its last bytes garbled; directory entries created,
/// renamed or removed but not synced may or may not survive. `crashAt` makes the Nth storage
/// operation fail half-done (an append writes a random prefix) and every later one throw.
/// Unchecked: a test double used from one task at a time (the spool calls it under its lock; the
/// test inspects it between spool calls).
final class FaultyStorage: SpoolStorage, @unchecked Sendable {
    struct Crash: Error {}

    final class Inode {
        var current: [UInt8]
        var durable: [UInt8]
        init(_ bytes: [UInt8] = [], durable: [UInt8] = []) {
            current = bytes
            self.durable = durable
        }
    }

    private(set) var directory: [String: Inode] = [:]
    private var durableDirectory: [String: Inode] = [:]
    var operations = 0
    var crashAt: Int?
    var capacity = Int.max
    /// The next `sync` fails with EIO after the data was written (a flaky disk).
    var failNextSync = false
    var random: SplitMix64

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    var usedBytes: Int { directory.values.reduce(0) { $0 + $1.current.count } }

    private func step() throws {
        operations += 1
        if let crashAt, operations >= crashAt { throw Crash() }
    }

    private func inode(_ name: String) throws -> Inode {
        guard let inode = directory[name] else { throw SpoolIOError(operation: "open", name: name, errno: ENOENT) }
        return inode
    }

    func list() throws -> [String] {
        try step()
        return Array(directory.keys)
    }

    func read(_ name: String) throws -> [UInt8] {
        try step()
        return try inode(name).current
    }

    func size(_ name: String) throws -> Int {
        try step()
        return try inode(name).current.count
    }

    func append(_ name: String, _ bytes: [UInt8]) throws {
        let crashing = crashAt.map { operations + 1 >= $0 } ?? false
        if usedBytes + bytes.count > capacity { operations += 1; throw SpoolIOError(operation: "write", name: name, errno: ENOSPC) }
        let inode = directory[name] ?? Inode()
        directory[name] = inode
        if crashing {
            inode.current += bytes.prefix(Int.random(in: 0...bytes.count, using: &random))
        } else {
            inode.current += bytes
        }
        try step()
    }

    func sync(_ name: String) throws {
        try step()
        if failNextSync {
            failNextSync = false
            throw SpoolIOError(operation: "fdatasync", name: name, errno: EIO)
        }
        let inode = try inode(name)
        inode.durable = inode.current
    }

    func syncDirectory() throws {
        try step()
        durableDirectory = directory
    }

    func truncate(_ name: String, to length: Int) throws {
        try step()
        let inode = try inode(name)
        inode.current = Array(inode.current.prefix(length))
    }

    func finish(_ name: String) {}

    func remove(_ name: String) throws {
        try step()
        directory[name] = nil
    }

    func replace(_ name: String, with bytes: [UInt8]) throws {
        try step()
        // A synced temporary renamed over the name: its content is durable; the rename is not
        // until the directory is synced.
        directory[name] = Inode(bytes, durable: bytes)
    }

    /// The disk as found after a crash, with random survival of everything not made durable.
    func afterCrash() -> FaultyStorage {
        let disk = FaultyStorage(seed: random.next())
        var names = Set(durableDirectory.keys).union(directory.keys)
        names.remove("")
        for name in names {
            let durableEntry = durableDirectory[name], currentEntry = directory[name]
            // An unsynced directory change may or may not have reached the disk.
            let entry = durableEntry === currentEntry ? durableEntry : (Bool.random(using: &random) ? durableEntry : currentEntry)
            guard let inode = entry else { continue }
            var content = inode.durable
            if inode.current.count > inode.durable.count, inode.current.starts(with: inode.durable) {
                let unsynced = inode.current[inode.durable.count...]
                var kept = Array(unsynced.prefix(Int.random(in: 0...unsynced.count, using: &random)))
                if !kept.isEmpty, Int.random(in: 0..<4, using: &random) == 0 {
                    kept[kept.count - 1] ^= 0x5A  // the last sector half-written
                }
                content += kept
            } else if inode.current.count < inode.durable.count, Bool.random(using: &random) {
                content = inode.current  // an unsynced truncate that happened to land
            }
            disk.directory[name] = Inode(content, durable: content)
        }
        disk.durableDirectory = disk.directory
        return disk
    }
}
