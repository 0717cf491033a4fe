import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The regular files of the interpreter's folder with their size and change time, to name the files
/// a block made or changed. Read by glmchat itself (not reported by the sandboxed code), never
/// following a symbolic link: only regular files are named, so a link the code left in the folder is
/// never offered as a file to open.
struct FolderSnapshot {
    struct Stamp: Equatable {
        var size: Int64
        var seconds: Int
        var nanoseconds: Int
        var inode: UInt64
    }

    /// Relative path → stamp.
    private(set) var files: [String: Stamp] = [:]
    /// A block could fill the folder with millions of files; the walk stops after this many entries.
    static let maximumEntries = 10_000

    init(_ folder: URL) {
        var seen = 0
        walk(folder.path, relative: "", depth: 0, seen: &seen)
    }

    private mutating func walk(_ path: String, relative: String, depth: Int, seen: inout Int) {
        guard depth < 8, let directory = opendir(path) else { return }
        defer { closedir(directory) }
        while seen < Self.maximumEntries, let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            seen += 1
            let full = path + "/" + name
            let inner = relative.isEmpty ? name : relative + "/" + name
            var status = stat()
            guard lstat(full, &status) == 0 else { continue }
            switch status.st_mode & S_IFMT {
            case S_IFREG:
                files[inner] = Stamp(size: Int64(status.st_size), seconds: Int(status.st_mtim.tv_sec),
                                     nanoseconds: Int(status.st_mtim.tv_nsec), inode: UInt64(status.st_ino))
            case S_IFDIR:
                walk(full, relative: inner, depth: depth + 1, seen: &seen)
            default:
                continue
            }
        }
    }

    /// Files that are new or changed since `earlier`, sorted.
    func changed(since earlier: FolderSnapshot) -> [String] {
        files.filter { earlier.files[$0.key] != $0.value }.map(\.key).sorted()
    }
}
