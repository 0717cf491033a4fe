import Foundation
import GLMStore

/// A private directory for one fuzzing process: readers that take a path get the input written
/// to a file there, and session imports go into one store opened on first use.
final class FuzzWorkspace {
    let directory: URL
    private var openedStore: GLMStore?

    init() throws {
        // /dev/shm keeps the per-input file writes off the disk where it exists.
        let shm = URL(fileURLWithPath: "/dev/shm")
        let base = FileManager.default.isWritableFile(atPath: shm.path) ? shm : FileManager.default.temporaryDirectory
        directory = base.appendingPathComponent("glmfuzz-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// Writes `bytes` to `name` in the workspace (replacing the last input) and returns its path.
    func write(_ bytes: [UInt8], named name: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    func store() throws -> GLMStore {
        if let openedStore { return openedStore }
        let store = try GLMStore(dataDirectory: directory.appendingPathComponent("store"))
        openedStore = store
        return store
    }
}
