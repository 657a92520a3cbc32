import Foundation

/// The file operations the spool uses, and nothing else, so that tests can put a fault-injecting
/// layer underneath (writes lost or torn at a crash point, unsynced directory entries vanishing).
/// Names are plain file names inside the spool's directory.
package protocol SpoolStorage: AnyObject {
    /// Names of the files in the directory.
    func list() throws -> [String]
    /// A file's whole content.
    func read(_ name: String) throws -> [UInt8]
    /// A file's length in bytes.
    func size(_ name: String) throws -> Int
    /// Appends at the end of a file, creating it when missing (the new entry is durable only after
    /// `syncDirectory`).
    func append(_ name: String, _ bytes: [UInt8]) throws
    /// Makes a file's content durable (fdatasync).
    func sync(_ name: String) throws
    /// Makes created, renamed and removed entries durable (fsync of the directory).
    func syncDirectory() throws
    func truncate(_ name: String, to length: Int) throws
    /// The file will not be appended again: release what is held for it (a descriptor).
    func finish(_ name: String)
    func remove(_ name: String) throws
    /// Replaces a file atomically with `bytes`: a synced temporary file renamed over it (durable
    /// after `syncDirectory`).
    func replace(_ name: String, with bytes: [UInt8]) throws
}

package struct SpoolIOError: Error, CustomStringConvertible {
    package let operation: String
    package let name: String
    package let errno: Int32
    package var description: String { "\(operation) \(name): \(String(cString: strerror(errno)))" }
    /// ENOSPC/EDQUOT: the disk is full, which the spool answers by evicting.
    package var isDiskFull: Bool { errno == ENOSPC || errno == EDQUOT }
}

/// The real thing: POSIX calls on a directory, descriptors kept open for appends.
package final class PosixSpoolStorage: SpoolStorage {
    let directory: String
    private var descriptors: [String: Int32] = [:]

    package init(directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    deinit {
        for fd in descriptors.values { close(fd) }
    }

    private func path(_ name: String) -> String { directory + "/" + name }

    private func check(_ result: Int, _ operation: String, _ name: String) throws {
        if result < 0 { throw SpoolIOError(operation: operation, name: name, errno: errno) }
    }

    private func descriptor(_ name: String) throws -> Int32 {
        if let fd = descriptors[name] { return fd }
        let fd = open(path(name), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        try check(Int(fd), "open", name)
        descriptors[name] = fd
        return fd
    }

    package func list() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory)
    }

    package func read(_ name: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path(name)) else {
            throw SpoolIOError(operation: "read", name: name, errno: ENOENT)
        }
        return [UInt8](data)
    }

    package func size(_ name: String) throws -> Int {
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path(name)))?[.size] as? NSNumber else {
            throw SpoolIOError(operation: "stat", name: name, errno: ENOENT)
        }
        return size.intValue
    }

    package func append(_ name: String, _ bytes: [UInt8]) throws {
        let fd = try descriptor(name)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0, errno == EINTR { continue }
            try check(n, "write", name)
            offset += n
        }
    }

    package func sync(_ name: String) throws {
        try check(Int(fdatasync(try descriptor(name))), "fdatasync", name)
    }

    package func syncDirectory() throws {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        try check(Int(fd), "open", ".")
        defer { close(fd) }
        try check(Int(fsync(fd)), "fsync", ".")
    }

    package func truncate(_ name: String, to length: Int) throws {
        try check(Int(Glibc.truncate(path(name), off_t(length))), "truncate", name)
    }

    package func finish(_ name: String) {
        if let fd = descriptors.removeValue(forKey: name) { close(fd) }
    }

    package func remove(_ name: String) throws {
        if let fd = descriptors.removeValue(forKey: name) { close(fd) }
        if unlink(path(name)) < 0, errno != ENOENT { throw SpoolIOError(operation: "unlink", name: name, errno: errno) }
    }

    package func replace(_ name: String, with bytes: [UInt8]) throws {
        let temporary = name + ".tmp"
        try remove(temporary)
        try append(temporary, bytes)
        try sync(temporary)
        if let fd = descriptors.removeValue(forKey: temporary) { close(fd) }
        if let fd = descriptors.removeValue(forKey: name) { close(fd) }
        try check(Int(rename(path(temporary), path(name))), "rename", name)
    }
}
