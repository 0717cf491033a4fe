import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A read-only memory mapping of a whole file. Tensors point into it, so it lives as long as
/// any model built from it; pages are loaded by the kernel on first touch.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let size: Int
    public let base: UnsafeRawPointer?

    public init(path: String) throws {
        self.path = path
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { throw GLMError(.fileNotFound, path: path, "no such file") }
            throw GLMError(.unreadable, path: path, String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw GLMError(.unreadable, path: path, "not a regular file")
        }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw GLMError(.unreadable, path: path, String(cString: strerror(errno))) }
        defer { close(fd) }
        size = Int(info.st_size)
        if size == 0 {
            base = nil
            return
        }
        let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw GLMError(.unreadable, path: path, "mmap failed: \(String(cString: strerror(errno)))")
        }
        base = UnsafeRawPointer(mapped)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), size) }
    }

    /// The bytes in `range`, or a `truncated` error naming what was being read.
    public func bytes(_ range: Range<Int>, what: String) throws -> UnsafeRawBufferPointer {
        guard range.lowerBound >= 0, range.upperBound <= size, let base else {
            throw GLMError(.truncated, path: path,
                           "file ends at byte \(size) but \(what) needs bytes \(range.lowerBound)..<\(range.upperBound)")
        }
        return UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count)
    }
}
