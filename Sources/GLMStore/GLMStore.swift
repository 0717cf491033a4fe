import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// The saved sessions and their messages, in one SQLite file (WAL mode) that several glmchat
/// processes can share. Every method is synchronous and safe to call from any thread; each write is
/// one committed transaction by the time the method returns.
public final class GLMStore: Sendable {
    public let databaseURL: URL
    /// Set when opening found a damaged database and moved it aside: show it to the user.
    public let notice: StoreNotice?
    let pool: DatabasePool

    /// How long a soft-deleted session is kept at the longest (a crash inside the undo window must
    /// not keep it forever); the sidebar's undo window is much shorter and is the caller's.
    public static let deletedSessionRetention: TimeInterval = 10 * 60

    /// Opens the database in `dataDirectory` (see `StorePaths`), creating both if needed.
    public convenience init(dataDirectory: URL) throws {
        try self.init(databaseURL: StorePaths.databaseURL(dataDirectory: dataDirectory))
    }

    public init(databaseURL: URL) throws {
        self.databaseURL = databaseURL
        let path = databaseURL.path
        do {
            try FileManager.default.createDirectory(at: databaseURL.deletingLastPathComponent(),
                                                    withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw GLMError(.io, path: databaseURL.deletingLastPathComponent().path,
                             "cannot create the data directory: \(error.localizedDescription)")
        }
        var notice: StoreNotice?
        if case .corrupt(let reason) = try DatabaseOpener.inspect(databaseURL) {
            let movedTo = try DatabaseOpener.moveAside(databaseURL)
            notice = StoreNotice(originalPath: path, movedTo: movedTo, reason: reason)
        }
        self.notice = notice
        pool = try Self.openPool(path)
        try Schema.migrate(pool, path: path)
        try recoverInterruptedAnswers()
        try purgeDeletedSessions(deletedBefore: Date().addingTimeInterval(-Self.deletedSessionRetention))
    }

    static func openPool(_ path: String) throws -> DatabasePool {
        var config = Configuration()
        config.label = "glmchat.sessions"
        config.foreignKeysEnabled = true
        // Another window may hold the write lock for a moment; wait rather than fail.
        config.busyMode = .timeout(15)
        config.prepareDatabase { db in
            // Each commit reaches the disk before the call returns: a power cut keeps what was said.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            return try DatabasePool(path: path, configuration: config)
        } catch let error as DatabaseError {
            throw GLMError(.unreadable, path: path,
                             "the session database cannot be opened: \(error.message ?? "\(error.resultCode)")")
        }
    }

    /// Closes the database (checkpointing the WAL into the main file). Later calls throw.
    public func close() throws {
        do {
            try pool.close()
        } catch let error as DatabaseError {
            throw wrap(error)
        }
    }

    /// Runs a write transaction, turning SQLite's errors into `GLMError`s that name the file.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.write(body)
        } catch let error as DatabaseError {
            throw wrap(error)
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.read(body)
        } catch let error as DatabaseError {
            throw wrap(error)
        }
    }

    func wrap(_ error: DatabaseError) -> GLMError {
        let detail = error.message ?? "\(error.resultCode)"
        if DatabaseOpener.isCorruption(error) {
            return GLMError(.database, path: databaseURL.path,
                              "the session database is damaged (\(detail)); restart glmchat to move it aside")
        }
        return GLMError(.database, path: databaseURL.path, detail)
    }

    /// A number that changes whenever another process (another glmchat window, the CLI) commits
    /// to the database; this store's own writes leave it alone. Poll it (it costs microseconds)
    /// and reload what is on screen when it moves.
    public func externalChangeToken() throws -> Int {
        do {
            // `data_version` is per connection: always ask the one writer connection.
            return try pool.writeWithoutTransaction { db in
                try Int.fetchOne(db, sql: "PRAGMA data_version") ?? 0
            }
        } catch let error as DatabaseError {
            throw wrap(error)
        }
    }

    /// Answers left `streaming` by a process that no longer exists were cut off by a crash or a
    /// kill: they keep their text and become `failed`, so they are never mistaken for live ones.
    func recoverInterruptedAnswers() throws {
        try write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT pk, ownerPid FROM message WHERE state = 'streaming'")
            for row in rows {
                let owner = try row.decode(Int32?.self, forColumn: "ownerPid")
                if let owner, Self.processIsAlive(owner) { continue }
                try db.execute(sql: """
                    UPDATE message SET state = 'failed', error = ?, ownerPid = NULL WHERE pk = ?
                    """, arguments: [Self.interruptedError, try row.decode(Int64.self, forColumn: "pk")])
            }
        }
    }

    public static let interruptedError = "interrupted: glmchat stopped before the answer finished"

    static func processIsAlive(_ pid: Int32) -> Bool {
        if pid == getpid() { return true }
        return kill(pid, 0) == 0 || errno == EPERM
    }
}
