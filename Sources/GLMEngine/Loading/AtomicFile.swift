import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A file written under a temporary name in its target directory and renamed into place on `commit`,
/// so a crash or error never leaves a half-written file under the final name.
final class AtomicFile {
    let finalPath: String
    let temporaryPath: String
    private var fd: Int32

    init(finalPath: String) throws {
        self.finalPath = finalPath
        let url = URL(fileURLWithPath: finalPath)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw GLMError(.fileNotFound, path: finalPath, "the directory \(directory) does not exist")
        }
        temporaryPath = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())").path
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw GLMError(.io, path: finalPath, "cannot create \(temporaryPath): \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        if fd >= 0 { discard() }
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress.map { $0 + done }, buffer.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw GLMError(.io, path: finalPath, "write failed: \(String(cString: strerror(errno)))")
                }
                done += n
            }
        }
    }

    func commit() throws {
        guard fsync(fd) == 0 else {
            throw GLMError(.io, path: finalPath, "fsync failed: \(String(cString: strerror(errno)))")
        }
        close(fd)
        fd = -1
        guard rename(temporaryPath, finalPath) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw GLMError(.io, path: finalPath, "cannot rename \(temporaryPath) into place: \(reason)")
        }
    }

    func discard() {
        if fd >= 0 { close(fd) }
        fd = -1
        unlink(temporaryPath)
    }
}
