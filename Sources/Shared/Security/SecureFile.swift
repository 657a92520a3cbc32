import Foundation

/// Writes secrets and certificates without ever replacing one silently.
enum SecureFile {
    /// Writes `contents` to `path` with `mode`. Without `overwrite`, an existing file is an error;
    /// with it, the file is replaced atomically (temporary file + rename), so a crash never leaves
    /// a half-written key behind.
    static func write(_ contents: String, to path: String, mode: mode_t, overwrite: Bool) throws {
        let fm = FileManager.default
        if !overwrite, fm.fileExists(atPath: path) { throw PKIError.fileExists(path) }
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = "\(directory)/.\((path as NSString).lastPathComponent).\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw PKIError.fileUnwritable(path, String(cString: strerror(errno))) }
        var failure: String?
        let bytes = Array(contents.utf8)
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
        if failure == nil {
            if !overwrite, fm.fileExists(atPath: path) {
                unlink(temporary)
                throw PKIError.fileExists(path)
            }
            if rename(temporary, path) != 0 { failure = String(cString: strerror(errno)) }
        }
        if let failure {
            unlink(temporary)
            throw PKIError.fileUnwritable(path, failure)
        }
    }

    static func read(_ path: String) throws -> String {
        do { return try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw PKIError.fileUnreadable(path, (error as NSError).localizedDescription)
        }
    }
}
