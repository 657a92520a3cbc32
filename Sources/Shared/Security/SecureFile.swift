import Foundation

/// Writes secrets and certificates without ever replacing one silently.
public enum SecureFile {
    /// Writes `contents` to `path` with `mode`, durably (file and directory fsynced). The content
    /// goes to a uniquely named temporary file first, so a crash never leaves a half-written key.
    /// Without `overwrite` it is then hard-linked into place, which fails if `path` exists, even
    /// if another process created it a moment ago; with `overwrite` it is renamed over it.
    public static func write(_ contents: String, to path: String, mode: mode_t, overwrite: Bool) throws {
        try write(Array(contents.utf8), to: path, mode: mode, overwrite: overwrite)
    }

    /// The same for bytes (snapshots).
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t, overwrite: Bool) throws {
        if !overwrite, FileManager.default.fileExists(atPath: path) { throw PKIError.fileExists(path) }
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = "\(directory.isEmpty ? "." : directory)/.\((path as NSString).lastPathComponent).\(UUID().uuidString).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw PKIError.fileUnwritable(path, String(cString: strerror(errno))) }
        defer { unlink(temporary) }
        var failure: String?
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                offset += n
            }
        }
        if failure == nil, fchmod(fd, mode) != 0 || fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        close(fd)
        if let failure { throw PKIError.fileUnwritable(path, failure) }
        if overwrite {
            guard rename(temporary, path) == 0 else { throw PKIError.fileUnwritable(path, String(cString: strerror(errno))) }
        } else if link(temporary, path) != 0 {
            if errno == EEXIST { throw PKIError.fileExists(path) }
            throw PKIError.fileUnwritable(path, String(cString: strerror(errno)))
        }
        syncDirectory(directory.isEmpty ? "." : directory)
    }

    /// Makes the new directory entry durable.
    private static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    public static func read(_ path: String) throws -> String {
        do { return try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw PKIError.fileUnreadable(path, (error as NSError).localizedDescription)
        }
    }
}
