import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What `settleInHugePages` found and did.
public struct HugePageReport: Sendable, Equatable {
    /// Bytes of the mapping in 2 MB pages before and after, and the bytes it had in memory.
    public var hugeBefore: Int
    public var hugeAfter: Int
    public var resident: Int
    /// Whether the file's 4 KB pages were dropped and read again.
    public var reread: Bool
    public var seconds: Double
}

extension MappedFile {
    /// Below this, a file is not worth a second read (the tokenizer, a tiny model).
    public static let hugePageMinimumBytes = 256 << 20

    /// Makes the page cache hold the whole file in 2 MB folios, mapped as 2 MB pages: generation reads
    /// every weight once per token, and 4 KB pages read measurably slower (the prefetchers stop at
    /// every page, and each page costs a TLB miss; docs/PERFORMANCE.md). `mapHugeAligned` gets 2 MB
    /// pages only for parts read after the mapping, and a file the page cache already holds in 4 KB
    /// folios (written there, or read first by another program) stays that way.
    ///
    /// So this drops and re-reads the file, once, when less than 90% of the mapping is in 2 MB pages
    /// and the kernel and file system make them (some of the file already is, or a 4 MB trial re-read
    /// comes back in them); the page cache keeps the large folios for later runs. Pages another
    /// process maps are not dropped. The mapping keeps its address, so tensors pointing into it stay
    /// valid.
    public func settleInHugePages(minimumBytes: Int = hugePageMinimumBytes) throws -> HugePageReport? {
        guard size >= minimumBytes, size >= 4 * Self.hugePageBytes, base != nil,
              let before = hugePageCoverage(), before.resident >= size / 10 * 9 else { return nil }
        var report = HugePageReport(hugeBefore: before.huge, hugeAfter: before.huge, resident: before.resident,
                                    reread: false, seconds: 0)
        guard before.huge < before.resident / 10 * 9 else { return report }
        let start = DispatchTime.now()
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return report }
        defer { close(fd) }
        // none in 2 MB pages yet (a file just written, downloaded or copied): first find out on 4 MB
        // whether this kernel and file system make them at all, so that a file that can never have
        // them is not read from disk again at every start
        if before.huge == 0 {
            let huge = Self.hugePageBytes
            let probe = (size / 2) / huge * huge
            try reread(fd: fd, range: probe..<(probe + 2 * huge))
            guard let after = hugePageCoverage(), after.huge > 0 else {
                report.seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
                return report
            }
        }
        try reread(fd: fd, range: 0..<size)
        report.reread = true
        report.hugeAfter = hugePageCoverage()?.huge ?? 0
        report.seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        return report
    }

    /// Drops the page cache's copy of `range` (2 MB-aligned, or running to the end of the file) and maps
    /// it again, read back in through a huge-page mapping. The address never changes: an anonymous
    /// placeholder holds it while the file's pages are released.
    private func reread(fd: Int32, range: Range<Int>) throws {
        guard let base else { return }
        let address = UnsafeMutableRawPointer(mutating: base) + range.lowerBound
        guard mmap(address, range.count, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == address else {
            throw GLMError(.unreadable, path: path, "could not release the mapping to re-read it: \(String(cString: strerror(errno)))")
        }
        // dirty pages (a file still being written back) are not dropped: write them first
        _ = fdatasync(fd)
        _ = posix_fadvise(fd, off_t(range.lowerBound), off_t(range.count), Int32(POSIX_FADV_DONTNEED))
        guard Self.mapFile(fd: fd, at: address, length: range.count, offset: range.lowerBound) else {
            throw GLMError(.unreadable, path: path, "could not map the file again: \(String(cString: strerror(errno)))")
        }
        let populateRead: Int32 = 22   // MADV_POPULATE_READ (Linux 5.14)
        if madvise(address, range.count, populateRead) != 0 {
            var sum: UInt8 = 0
            for offset in stride(from: 0, to: range.count, by: Int(getpagesize())) {
                sum &+= UnsafeRawPointer(address).load(fromByteOffset: offset, as: UInt8.self)
            }
            withExtendedLifetime(sum) {}
        }
    }

    /// Bytes of this mapping in 2 MB pages and in memory, from /proc/self/smaps, summed over the
    /// kernel's mappings that lie inside it (a re-read part is one of its own); nil where there is none.
    func hugePageCoverage() -> (huge: Int, resident: Int)? {
        guard let base, let text = Self.readProcFile("/proc/self/smaps") else { return nil }
        let low = UInt(bitPattern: Int(bitPattern: base)), high = low + UInt(size)
        var inside = false, found = false
        var huge = 0, resident = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            if !first.hasSuffix(":") {
                // a mapping's header: "start-end perms offset dev inode path"
                let bounds = first.split(separator: "-")
                if bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16) {
                    inside = start >= low && end <= (high + UInt(getpagesize()) - 1) / UInt(getpagesize()) * UInt(getpagesize())
                    found = found || inside
                } else {
                    inside = false
                }
                continue
            }
            guard inside, fields.count >= 2, let kilobytes = Int(fields[1]) else { continue }
            if first == "Rss:" { resident += kilobytes * 1024 }
            if first == "FilePmdMapped:" { huge += kilobytes * 1024 }
        }
        return found ? (huge, resident) : nil
    }

    /// A /proc file's text: they report a size of 0, so they are read until the end, not to their size.
    static func readProcFile(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.readToEnd() else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}

extension HugePageReport {
    /// One line for `bench` and `run --verbose`.
    public var summary: String {
        let gb = { (bytes: Int) in String(format: "%.2f GB", Double(bytes) / 1e9) }
        guard reread else { return "\(gb(hugeAfter)) of \(gb(resident))" }
        return "\(gb(hugeAfter)) of \(gb(resident)) (was \(gb(hugeBefore)); the rest read again into 2 MB pages in "
            + String(format: "%.1f s, once)", seconds)
    }
}
