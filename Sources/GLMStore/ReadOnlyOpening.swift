import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// Opening the store only to read it (`StoreAccess.readOnly`): `sessions list|show|search|export`,
/// and the chat when its data folder cannot be written. Nothing is ever created, moved or changed
/// beside the database.
extension GLMStore {
    /// Why this process cannot write the database at `databaseURL`: its folder or the file itself
    /// refuses (a read-only folder, a file of another user, an immutable file), or nil when it can,
    /// or when the folder does not exist yet (creating it says what is wrong, if anything).
    public static func writeRefusal(databaseURL: URL) -> String? {
        let folder = databaseURL.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else { return nil }
        if let why = writeProblem(folder) {
            return "the data folder \(folder) cannot be written (\(why))"
        }
        if FileManager.default.fileExists(atPath: databaseURL.path), let why = writeProblem(databaseURL.path) {
            return "the session database \(databaseURL.path) cannot be written (\(why))"
        }
        return nil
    }

    /// What the system says when this process asks to write `path` (access(2), which also knows
    /// read-only mounts and immutable files), or nil when it may.
    static func writeProblem(_ path: String) -> String? {
        #if canImport(Glibc)
        let refused = Glibc.access(path, W_OK) != 0
        #else
        let refused = Darwin.access(path, W_OK) != 0
        #endif
        return refused ? String(cString: strerror(errno)) : nil
    }

    /// Reads the file in place when it is current and can be opened read-only; otherwise reads a
    /// private copy (migrated, or rebuilt from its readable rows). Nothing is written beside it.
    static func openForReading(_ databaseURL: URL) throws -> (DatabasePool, StoreNotice?, URL?) {
        // Opening a WAL database creates its -wal and -shm files where it can, and a read-only
        // connection cannot remove them again: unless a running glmchat has them open already, or
        // the folder cannot be written (so nothing can be made there), read a copy.
        let fm = FileManager.default
        let path = databaseURL.path
        let folderWritable = writeProblem(databaseURL.deletingLastPathComponent().path) == nil
        if fm.fileExists(atPath: path), folderWritable,
           !fm.fileExists(atPath: path + "-wal") || !fm.fileExists(atPath: path + "-shm") {
            return try readPrivateCopy(of: databaseURL, damage: nil)
        }
        let health: DatabaseOpener.Health
        do {
            health = try DatabaseOpener.inspect(databaseURL)
        } catch let error as GLMError where error.kind == .unreadable && fm.isReadableFile(atPath: path) {
            // It cannot be opened where it is (a read-only folder with a -wal file but no -shm): read a copy.
            return try readPrivateCopy(of: databaseURL, damage: nil)
        }
        switch health {
        case .missing:
            let directory = try makePrivateDirectory()
            let pool = try openPool(directory.appendingPathComponent(StorePaths.databaseFileName).path)
            try Schema.migrate(pool, path: path)
            return (pool, nil, directory)
        case .usable(let version) where version == Schema.latestVersion:
            var config = Configuration()
            config.label = "glmchat.sessions.readonly"
            config.readonly = true
            config.busyMode = .timeout(15)
            if let pool = try? DatabasePool(path: path, configuration: config),
               (try? pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM session") }) != nil {
                return (pool, nil, nil)
            }
            return try readPrivateCopy(of: databaseURL, damage: nil)
        case .usable:
            return try readPrivateCopy(of: databaseURL, damage: nil)
        case .corrupt(let reason):
            return try readPrivateCopy(of: databaseURL, damage: reason)
        }
    }

    private static func readPrivateCopy(of databaseURL: URL, damage: String?) throws -> (DatabasePool, StoreNotice?, URL?) {
        let directory = try makePrivateDirectory()
        let copy = directory.appendingPathComponent("copy.sqlite")
        let fm = FileManager.default
        do {
            try fm.copyItem(at: databaseURL, to: copy)
            let wal = URL(fileURLWithPath: databaseURL.path + "-wal")
            if fm.fileExists(atPath: wal.path) {
                try fm.copyItem(at: wal, to: URL(fileURLWithPath: copy.path + "-wal"))
            }
            // the copies keep the originals' modes: a 0444 file would be copied read-only, and the
            // copy must be opened for writing (migrations, the WAL's checkpoint)
            for file in [copy.path, copy.path + "-wal"] where fm.fileExists(atPath: file) {
                try fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
            }
        } catch {
            try? fm.removeItem(at: directory)
            throw GLMError(.unreadable, path: databaseURL.path, "the session database cannot be read: \(error.localizedDescription)")
        }
        do {
            return try readCopy(copy, in: directory, of: databaseURL, damage: damage)
        } catch {
            try? fm.removeItem(at: directory)
            throw error
        }
    }

    private static func readCopy(_ copy: URL, in directory: URL, of databaseURL: URL,
                                 damage: String?) throws -> (DatabasePool, StoreNotice?, URL?) {
        var reason = damage
        if reason == nil, case .corrupt(let found) = try DatabaseOpener.inspect(copy) { reason = found }
        if let reason {
            let fresh = directory.appendingPathComponent("recovered.sqlite")
            let pool = try openPool(fresh.path)
            try Schema.migrate(pool, path: fresh.path)
            let report = DatabaseSalvage.copyReadableRows(from: copy.path, into: pool)
            let notice = StoreNotice(originalPath: databaseURL.path, movedTo: databaseURL.path, reason: reason,
                                     recovered: report, leftInPlace: true)
            return (pool, notice, directory)
        }
        let pool = try openPool(copy.path)
        try Schema.migrate(pool, path: databaseURL.path)
        return (pool, nil, directory)
    }

    private static func makePrivateDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glmchat-read-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw GLMError(.io, path: directory.path, "cannot make a private copy of the session database: \(error.localizedDescription)")
        }
        return directory
    }
}
