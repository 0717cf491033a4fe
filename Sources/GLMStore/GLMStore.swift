import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// How a store may use its file.
public enum StoreAccess: Sendable {
    /// The chat and the commands that change sessions: the database is created, migrated and, when
    /// damaged, rebuilt from what can be read (the damaged file kept beside it).
    case readWrite
    /// `sessions list|show|search|export`: the file is never moved or changed. Where it cannot be
    /// read in place (a read-only folder, an older schema, damage) a private copy is read instead.
    case readOnly
}

/// The saved sessions and their messages, in one SQLite file (WAL mode) that several glmchat
/// processes can share. Every method is synchronous and safe to call from any thread; each write is
/// one committed transaction by the time the method returns.
public final class GLMStore: Sendable {
    public let databaseURL: URL
    /// The folder of the database (the sessions' interpreter folders live under it too).
    public var dataDirectory: URL { databaseURL.deletingLastPathComponent() }
    public let access: StoreAccess
    /// Set when opening found a damaged database: show it to the user.
    public let notice: StoreNotice?
    /// Why nothing can be saved (read-only access): the folder or file that refuses, when one does.
    public let readOnlyReason: String?
    let pool: DatabasePool
    /// The folder of a private copy read instead of the file (read-only access), removed at the end.
    private let privateDirectory: URL?

    /// How long a soft-deleted session is kept at the longest (a crash inside the undo window must
    /// not keep it forever); the sidebar's undo window is much shorter and is the caller's.
    public static let deletedSessionRetention: TimeInterval = 10 * 60

    /// Opens the database in `dataDirectory` (see `StorePaths`), creating both if needed.
    public convenience init(dataDirectory: URL, access: StoreAccess = .readWrite) throws {
        try self.init(databaseURL: StorePaths.databaseURL(dataDirectory: dataDirectory), access: access)
    }

    public init(databaseURL: URL, access: StoreAccess = .readWrite) throws {
        self.databaseURL = databaseURL
        self.access = access
        switch access {
        case .readWrite:
            (pool, notice) = try Self.openForWriting(databaseURL)
            privateDirectory = nil
            readOnlyReason = nil
            try recoverInterruptedAnswers()
            try purgeDeletedSessions(deletedBefore: Date().addingTimeInterval(-Self.deletedSessionRetention))
        case .readOnly:
            (pool, notice, privateDirectory) = try Self.openForReading(databaseURL)
            readOnlyReason = Self.writeRefusal(databaseURL: databaseURL) ?? "it was opened only for reading"
        }
    }

    deinit {
        if let privateDirectory { try? FileManager.default.removeItem(at: privateDirectory) }
    }

    /// Creates, migrates, or rebuilds a damaged file from its readable rows.
    private static func openForWriting(_ databaseURL: URL) throws -> (DatabasePool, StoreNotice?) {
        let path = databaseURL.path
        do {
            try FileManager.default.createDirectory(at: databaseURL.deletingLastPathComponent(),
                                                    withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw GLMError(.io, path: databaseURL.deletingLastPathComponent().path,
                             "cannot create the data directory: \(error.localizedDescription)")
        }
        if case .corrupt(let reason) = try DatabaseOpener.inspect(databaseURL) {
            let movedTo = try DatabaseOpener.moveAside(databaseURL)
            let pool = try openPool(path)
            try Schema.migrate(pool, path: path)
            let report = DatabaseSalvage.copyReadableRows(from: movedTo, into: pool)
            return (pool, StoreNotice(originalPath: path, movedTo: movedTo, reason: reason, recovered: report))
        }
        let pool = try openPool(path)
        try Schema.migrate(pool, path: path)
        return (pool, nil)
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
    /// A store opened for reading refuses every write, even where it reads a private copy (which
    /// would take the write and lose it).
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        if access == .readOnly {
            throw GLMError(.database, path: databaseURL.path,
                           "nothing can be saved: \(readOnlyReason ?? "it was opened only for reading")")
        }
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
                              "the session database is damaged (\(detail)); restart glmchat to recover what can be read")
        }
        if access == .readOnly, error.resultCode.primaryResultCode == .SQLITE_READONLY {
            return GLMError(.database, path: databaseURL.path, "opened only for reading: \(detail)")
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
