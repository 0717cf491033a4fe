import Foundation
import GRDB

extension GLMStore {
    @discardableResult
    public func createSession(_ new: NewSession) throws -> Session {
        let now = Timestamp.now()
        let customTitle = new.title.map(Titles.cleanCustomTitle) ?? ""
        let session = Session(id: .random(), title: customTitle, titleIsCustom: !customTitle.isEmpty,
                              modelKind: new.modelKind, modelName: new.modelName,
                              systemPrompt: new.systemPrompt, sampling: new.sampling,
                              createdAt: now, updatedAt: now, isArchived: false, mode: new.mode, tools: new.tools)
        try write { db in try RowMapping.insert(session, db) }
        return session
    }

    /// The session, or nil if there is none with this id (or it is deleted).
    public func session(_ id: SessionID) throws -> Session? {
        try read { db in try Self.fetchSession(id, db) }
    }

    static func fetchSession(_ id: SessionID, _ db: Database) throws -> Session? {
        let sql = "SELECT \(RowMapping.sessionColumns) FROM session WHERE id = ? AND deletedAt IS NULL"
        return try Row.fetchOne(db, sql: sql, arguments: [id.rawValue]).map(RowMapping.session)
    }

    static func requireSession(_ id: SessionID, _ db: Database) throws -> Session {
        guard let session = try fetchSession(id, db) else {
            throw GLMError(.notFound, "no session with id \(id)")
        }
        return session
    }

    /// Sessions, most recently used first. Page with `offset`/`limit`; the index makes any page of
    /// a list of ten thousand as quick as the first.
    public func listSessions(_ filter: ArchiveFilter = .active, offset: Int = 0, limit: Int = 100) throws -> [Session] {
        try read { db in
            let sql = """
                SELECT \(RowMapping.sessionColumns) FROM session
                WHERE deletedAt IS NULL \(Self.archiveCondition(filter))
                ORDER BY updatedAt DESC, id DESC LIMIT ? OFFSET ?
                """
            return try Row.fetchAll(db, sql: sql, arguments: [max(0, limit), max(0, offset)]).map(RowMapping.session)
        }
    }

    public func countSessions(_ filter: ArchiveFilter = .active) throws -> Int {
        try read { db in
            let sql = "SELECT count(*) FROM session WHERE deletedAt IS NULL \(Self.archiveCondition(filter))"
            return try Int.fetchOne(db, sql: sql) ?? 0
        }
    }

    static func archiveCondition(_ filter: ArchiveFilter) -> String {
        switch filter {
        case .active: return "AND archived = 0"
        case .archived: return "AND archived = 1"
        case .all: return ""
        }
    }

    /// Finds the one session whose id starts with `prefix` (as `git` does with commits).
    public func resolveSessionID(_ prefix: String) throws -> SessionID {
        let needle = prefix.lowercased()
        guard !needle.isEmpty, needle.allSatisfy({ $0.isHexDigit || $0 == "-" }) else {
            throw GLMError(.notFound, "'\(prefix)' is not a session id")
        }
        let ids = try read { db in
            try String.fetchAll(db, sql: """
                SELECT id FROM session WHERE deletedAt IS NULL AND id >= ? AND id < ? ORDER BY id LIMIT 2
                """, arguments: [needle, needle + "\u{10FFFF}"])
        }
        guard let first = ids.first else { throw GLMError(.notFound, "no session with id \(prefix)") }
        guard ids.count == 1 else {
            throw GLMError(.ambiguous, "'\(prefix)' matches several sessions; give more of the id")
        }
        return SessionID(first)
    }

    /// Renames a session. An empty or blank title goes back to the automatic one.
    @discardableResult
    public func renameSession(_ id: SessionID, to title: String) throws -> Session {
        try write { db in
            var session = try Self.requireSession(id, db)
            let cleaned = Titles.cleanCustomTitle(title)
            if cleaned.isEmpty {
                let firstUser = try String.fetchOne(db, sql: """
                    SELECT content FROM message WHERE sessionId = ? AND role = 'user' ORDER BY seq LIMIT 1
                    """, arguments: [id.rawValue])
                session.title = firstUser.map { Titles.title(fromFirstMessage: $0) } ?? ""
                session.titleIsCustom = false
            } else {
                session.title = cleaned
                session.titleIsCustom = true
            }
            try db.execute(sql: "UPDATE session SET title = ?, titleIsCustom = ? WHERE id = ?",
                           arguments: [session.title, session.titleIsCustom, id.rawValue])
            return session
        }
    }

    public func setArchived(_ id: SessionID, _ archived: Bool) throws {
        try updateColumns(id, "archived = ?", [archived])
    }

    /// Sets the session's system prompt (sent before every turn; kept on export and import).
    public func setSystemPrompt(_ prompt: String, of id: SessionID) throws {
        try updateColumns(id, "systemPrompt = ?", [prompt])
    }

    /// Keeps the session's mode and the tool list its system message carries (nil: none).
    public func setMode(_ mode: SessionMode, tools: JSONValue?, of id: SessionID) throws {
        try updateColumns(id, "mode = ?, tools = ?", [mode.rawValue, try RowMapping.toolText(tools)])
    }

    public func setModel(_ id: SessionID, kind: String, name: String) throws {
        try updateColumns(id, "modelKind = ?, modelName = ?", [kind, name])
    }

    public func setSampling(_ s: SamplingSettings, of id: SessionID) throws {
        try updateColumns(id, "temperature = ?, topP = ?, topK = ?, repetitionPenalty = ?, maxNewTokens = ?, seed = ?",
                          [Double(s.temperature), Double(s.topP), s.topK, Double(s.repetitionPenalty), s.maxNewTokens,
                           s.seed.map { Int64(bitPattern: $0) }])
    }

    private func updateColumns(_ id: SessionID, _ assignments: String, _ values: [(any DatabaseValueConvertible)?]) throws {
        try write { db in
            try db.execute(sql: "UPDATE session SET \(assignments) WHERE id = ? AND deletedAt IS NULL",
                           arguments: StatementArguments(values + [id.rawValue]))
            if db.changesCount == 0 { throw GLMError(.notFound, "no session with id \(id)") }
        }
    }

    /// Hides a session from lists and search; `restoreSession` brings it back (the sidebar's undo),
    /// `purgeDeletedSession` or the next start after `deletedSessionRetention` removes it for good.
    public func deleteSession(_ id: SessionID) throws {
        try updateColumns(id, "deletedAt = ?", [Timestamp.milliseconds(Timestamp.now())])
    }

    public func restoreSession(_ id: SessionID) throws {
        try write { db in
            try db.execute(sql: "UPDATE session SET deletedAt = NULL WHERE id = ? AND deletedAt IS NOT NULL",
                           arguments: [id.rawValue])
            if db.changesCount == 0 { throw GLMError(.notFound, "no deleted session with id \(id)") }
        }
    }

    /// Removes a soft-deleted session and its messages for good. Does nothing to a session that was
    /// restored in the meantime (by this window or another).
    public func purgeDeletedSession(_ id: SessionID) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM session WHERE id = ? AND deletedAt IS NOT NULL", arguments: [id.rawValue])
        }
    }

    /// Removes every session deleted before `date`; returns how many.
    @discardableResult
    public func purgeDeletedSessions(deletedBefore date: Date) throws -> Int {
        try write { db in
            try db.execute(sql: "DELETE FROM session WHERE deletedAt IS NOT NULL AND deletedAt < ?",
                           arguments: [Timestamp.milliseconds(date)])
            return db.changesCount
        }
    }

    /// Deletes a session and its messages at once, with no undo (the CLI's `sessions delete`).
    public func deleteSessionPermanently(_ id: SessionID) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM session WHERE id = ?", arguments: [id.rawValue])
            if db.changesCount == 0 { throw GLMError(.notFound, "no session with id \(id)") }
        }
    }
}
