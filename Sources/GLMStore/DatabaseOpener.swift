import Foundation
import GRDB

/// What opening the store found that the user must be told about: a damaged database, and what
/// could be read from it.
public struct StoreNotice: Sendable, Equatable, CustomStringConvertible {
    /// Where the damaged database is (was, when it was moved).
    public let originalPath: String
    /// Where the damaged file is kept (its -wal and -shm files, if any, sit beside it with the same
    /// suffixes); the original path when it was only read (`StoreAccess.readOnly`).
    public let movedTo: String
    /// What SQLite said was wrong.
    public let reason: String
    /// The sessions and messages that could still be read.
    public let recovered: SalvageReport
    /// It was only read: the file was not moved or changed.
    public let leftInPlace: Bool

    public init(originalPath: String, movedTo: String, reason: String, recovered: SalvageReport, leftInPlace: Bool = false) {
        self.originalPath = originalPath
        self.movedTo = movedTo
        self.reason = reason
        self.recovered = recovered
        self.leftInPlace = leftInPlace
    }

    public var description: String {
        let counted = "\(recovered.sessions) session\(recovered.sessions == 1 ? "" : "s") and "
            + "\(recovered.messages) message\(recovered.messages == 1 ? "" : "s")"
        let partial = recovered.somethingUnreadable ? " (the rest could not be read)" : ""
        if leftInPlace {
            return "the session database \(originalPath) is damaged (\(reason)); showing the \(counted) that can still "
                + "be read\(partial). The file was left as it is; the chat repairs it when it opens it"
        }
        return "the session database \(originalPath) is damaged (\(reason)); the \(counted) that could still be read "
            + "were copied into a new database\(partial), and the damaged file is kept at \(movedTo)"
    }
}

/// Checks an existing database file before anything writes to it, and moves a corrupt one aside
/// (its readable rows are then copied out: `DatabaseSalvage`).
enum DatabaseOpener {
    enum Health {
        case missing
        case usable(version: Int)
        case corrupt(reason: String)
    }

    /// Reads the file through a read-only connection: nothing here can change it.
    static func inspect(_ url: URL) throws -> Health {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else { return .missing }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw GLMError(.unreadable, path: path, "the session database cannot be read (permission denied)")
        }
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(15)
        do {
            let queue = try DatabaseQueue(path: path, configuration: config)
            defer { try? queue.close() }
            return try queue.read { db in
                let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                let appID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
                let tables = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
                if appID != Schema.applicationID && (appID != 0 || tables > 0) {
                    throw GLMError(.notGLMChatDatabase, path: path,
                                     "this SQLite file is not a glmchat session database; it was left untouched "
                                     + "(choose another data directory with --data-dir)")
                }
                if version > Schema.latestVersion { throw Schema.tooNew(version, path: path) }
                let check = try String.fetchAll(db, sql: "PRAGMA quick_check")
                if check != ["ok"] {
                    return .corrupt(reason: oneLine(check.prefix(3).joined(separator: "; ")))
                }
                return .usable(version: version)
            }
        } catch let error as DatabaseError {
            if isCorruption(error) { return .corrupt(reason: oneLine(error.message ?? "\(error.resultCode)")) }
            throw GLMError(.unreadable, path: path,
                             "the session database cannot be opened: \(error.message ?? "\(error.resultCode)")")
        }
    }

    /// SQLite's words for the notice, which is one line: its integrity check starts with
    /// "*** in database main ***" and a line break, and may list several problems a line each.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: " ")
    }

    static func isCorruption(_ error: DatabaseError) -> Bool {
        let primary = error.resultCode.primaryResultCode
        return primary == .SQLITE_CORRUPT || primary == .SQLITE_NOTADB
    }

    /// Renames the database and its -wal/-shm companions to `<name>.corrupt-<UTC time>`, never
    /// replacing an existing file. Returns the new path of the main file.
    static func moveAside(_ url: URL, now: Date = Date()) throws -> String {
        let fm = FileManager.default
        // 2026-11-29T02:52:51.637Z -> 20261129T025251Z
        let iso = Timestamp.iso8601(now)
        let stamp = String(iso.prefix(19).filter { $0 != "-" && $0 != ":" }) + "Z"
        var target = url.path + ".corrupt-" + stamp
        var attempt = 1
        while fm.fileExists(atPath: target) || fm.fileExists(atPath: target + "-wal") {
            target = url.path + ".corrupt-" + stamp + "-\(attempt)"
            attempt += 1
        }
        do {
            try fm.moveItem(atPath: url.path, toPath: target)
            for suffix in ["-wal", "-shm"] where fm.fileExists(atPath: url.path + suffix) {
                try fm.moveItem(atPath: url.path + suffix, toPath: target + suffix)
            }
        } catch {
            throw GLMError(.io, path: url.path,
                             "the session database is damaged and could not be moved aside to \(target): "
                             + "\(error.localizedDescription)")
        }
        return target
    }
}
