import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `NAME.part` beside the final file: opened for appending, locked against a second `pull`, written
/// chunk by chunk (nothing is held in memory), synced, then renamed over `NAME`. A failure keeps the
/// bytes already written, so that the next run resumes after them.
final class PartFile {
    let path: String
    let finalPath: String
    private var descriptor: Int32
    /// Bytes in the file.
    private(set) var size: Int64

    /// Opens (creating if needed) `finalPath + ".part"` and takes an exclusive lock on it.
    init(finalPath: String) throws(HubError) {
        self.finalPath = finalPath
        path = finalPath + ".part"
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Self.failure(path: path, errno, doing: "cannot open") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK { throw .busy(path: path) }
            throw Self.failure(path: path, code, doing: "cannot lock")
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw Self.failure(path: path, code, doing: "cannot read the size of")
        }
        descriptor = fd
        size = Int64(info.st_size)
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Appends `bytes`; ENOSPC becomes `diskFull`, with what is already in the file kept.
    func append(_ bytes: UnsafeRawBufferPointer) throws(HubError) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, base + offset, bytes.count - offset)
            if written < 0 {
                let code = errno
                if code == EINTR { continue }
                if code == ENOSPC || code == EDQUOT { throw .diskFull(path: path, kept: size) }
                throw Self.failure(path: path, code, doing: "cannot write")
            }
            offset += written
            size += Int64(written)
        }
    }

    /// Empties the file (the server ignored Range and sends the whole file again).
    func truncate() throws(HubError) {
        guard ftruncate(descriptor, 0) == 0 else { throw Self.failure(path: path, errno, doing: "cannot empty") }
        size = 0
    }

    /// Reads the bytes already in the file, in chunks, to carry a hash over a resume.
    func forEachExistingChunk(_ body: (UnsafeRawBufferPointer) -> Void) throws(HubError) {
        let reader = open(path, O_RDONLY | O_CLOEXEC)
        guard reader >= 0 else { throw Self.failure(path: path, errno, doing: "cannot read") }
        defer { close(reader) }
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { chunk.deallocate() }
        guard let base = chunk.baseAddress else { return }
        var remaining = size
        while remaining > 0 {
            let count = read(reader, base, Int(min(Int64(chunk.count), remaining)))
            if count < 0 {
                if errno == EINTR { continue }
                throw Self.failure(path: path, errno, doing: "cannot read")
            }
            if count == 0 { throw .fileSystem(path: path, detail: "the file became shorter while it was read") }
            body(UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
            remaining -= Int64(count)
        }
    }

    /// Syncs, closes and renames the file to its final name.
    func complete() throws(HubError) {
        if fsync(descriptor) != 0, errno != EINVAL {
            throw Self.failure(path: path, errno, doing: "cannot sync")
        }
        close(descriptor)
        descriptor = -1
        guard rename(path, finalPath) == 0 else { throw Self.failure(path: finalPath, errno, doing: "cannot rename the download to") }
    }

    /// Closes and deletes the file (its bytes were wrong).
    func discard() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        unlink(path)
    }

    private static func failure(path: String, _ code: Int32, doing what: String) -> HubError {
        if code == ENOSPC || code == EDQUOT { return .diskFull(path: path, kept: 0) }
        return .fileSystem(path: path, detail: "\(what) it: \(String(cString: strerror(code)))")
    }
}
