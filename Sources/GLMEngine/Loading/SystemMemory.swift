import Foundation

/// The memory this process may use: the machine's RAM, or less where a control group caps it (a
/// container's memory limit). A server sizes its KV budget against it before its caches grow into it:
/// past it, the system kills the process and every answer in flight with it.
public enum SystemMemory {
    /// The cgroup files that hold a memory limit at the mount's root (a container's own cgroup), for
    /// when /proc/self/cgroup cannot be read: version 2, then version 1.
    static let rootLimitFiles = ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"]

    /// The smaller of the machine's RAM and every cgroup limit on this process that can be read.
    public static func usableBytes() -> Int {
        let physical = Int(clamping: ProcessInfo.processInfo.physicalMemory)
        let files = MappedFile.readProcFile("/proc/self/cgroup").map { limitFiles(cgroups: $0) } ?? rootLimitFiles
        let limits = files.compactMap { path -> Int? in
            guard let text = MappedFile.readProcFile(path) else { return nil }
            return (try? cgroupLimit(Array(text.utf8))) ?? nil
        }
        return ([physical] + limits).filter { $0 > 0 }.min() ?? physical
    }

    /// The memory limit files of the cgroups that /proc/self/cgroup's `text` names and of their
    /// ancestors (an ancestor's limit holds too): "0::/PATH" is version 2's, "N:…memory…:/PATH"
    /// version 1's. Lines of other shapes name no file.
    public static func limitFiles(cgroups text: String) -> [String] {
        var files: [String] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, fields[2].hasPrefix("/") else { continue }
            let root: String, file: String
            if fields[0] == "0" && fields[1].isEmpty {
                (root, file) = ("/sys/fs/cgroup", "memory.max")
            } else if fields[1].split(separator: ",").contains("memory") {
                (root, file) = ("/sys/fs/cgroup/memory", "memory.limit_in_bytes")
            } else {
                continue
            }
            var path = Substring(fields[2])
            for _ in 0..<64 {  // a real hierarchy is a few levels deep
                files.append(root + (path == "/" ? "" : path) + "/" + file)
                guard path != "/", let slash = path.lastIndex(of: "/") else { break }
                path = slash == path.startIndex ? "/" : path[..<slash]
            }
        }
        return files
    }

    /// A cgroup memory limit file's content: its byte count, or nil for "max" (no limit). A count too
    /// large for an Int is no limit either (version 1 writes 2^63 rounded down to a page for none).
    public static func cgroupLimit(_ bytes: [UInt8]) throws -> Int? {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw GLMError(.badFormat, "a cgroup memory limit that is not text")
        }
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if value == "max" { return nil }
        guard !value.isEmpty, value.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw GLMError(.badFormat, "a cgroup memory limit of \"\(value.prefix(40))\": expected a byte count or max")
        }
        return Int(value)
    }
}
