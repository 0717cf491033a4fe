import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif

extension GLMStore {
    /// Appends a finished message and commits it before returning: call it with the user's message
    /// before generation starts, and nothing the user typed can be lost. The first user message
    /// names an untitled session.
    @discardableResult
    public func appendMessage(_ new: NewMessage, to sessionID: SessionID) throws -> Message {
        let message = Message(id: .random(), sessionID: sessionID, role: new.role, content: new.content,
                              metadata: new.metadata, model: new.model, promptTokens: new.stats?.promptTokens,
                              completionTokens: new.stats?.generatedTokens,
                              tokensPerSecond: new.stats.flatMap(AnswerWriter.tokensPerSecond),
                              createdAt: Timestamp.now(), finishedAt: nil, state: .complete, error: nil)
        _ = try write { db in try Self.insertNext(message, ownerPid: nil, db) }
        return message
    }

    /// All messages of a session, in order.
    public func messages(in sessionID: SessionID) throws -> [Message] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(RowMapping.messageColumns) FROM message WHERE sessionId = ? ORDER BY seq
                """, arguments: [sessionID.rawValue]).map(RowMapping.message)
        }
    }

    public func message(_ id: MessageID) throws -> Message? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT \(RowMapping.messageColumns) FROM message WHERE id = ?",
                             arguments: [id.rawValue]).map(RowMapping.message)
        }
    }

    /// Starts an assistant answer: the (empty) message is committed now, in state `streaming`, and
    /// the returned writer keeps it saved as text arrives. See `AnswerWriter`.
    public func beginAnswer(in sessionID: SessionID, model: String, seed: UInt64? = nil, metadata: String = "",
                            saveInterval: TimeInterval = AnswerWriter.defaultSaveInterval,
                            clock: any SaveClock = DispatchSaveClock()) throws -> AnswerWriter {
        let message = Message(id: .random(), sessionID: sessionID, role: .assistant, content: "",
                              metadata: metadata, model: model, seed: seed, createdAt: Timestamp.now(),
                              state: .streaming)
        let pk = try write { db in try Self.insertNext(message, ownerPid: getpid(), db) }
        return AnswerWriter(store: self, rowID: pk, message: message, saveInterval: saveInterval, clock: clock)
    }

    /// Inserts at the end of the session inside the caller's (immediate) transaction, so two
    /// processes appending to one session can never take the same position.
    @discardableResult
    static func insertNext(_ message: Message, ownerPid: Int32?, _ db: Database) throws -> Int64 {
        let session = try requireSession(message.sessionID, db)
        let seq = try Int.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) + 1 FROM message WHERE sessionId = ?",
                                   arguments: [message.sessionID.rawValue]) ?? 1
        let pk = try RowMapping.insert(message, seq: seq, ownerPid: ownerPid, db)
        if message.role == .user && !session.titleIsCustom && session.title.isEmpty {
            let title = Titles.title(fromFirstMessage: message.content)
            try db.execute(sql: "UPDATE session SET title = ? WHERE id = ?",
                           arguments: [title, message.sessionID.rawValue])
        }
        try touch(message.sessionID, db)
        return pk
    }

    static func touch(_ sessionID: SessionID, _ db: Database) throws {
        try db.execute(sql: "UPDATE session SET updatedAt = max(updatedAt, ?) WHERE id = ?",
                       arguments: [Timestamp.milliseconds(Timestamp.now()), sessionID.rawValue])
    }
}

extension GLMStore {
    /// Rewrites a message that is not streaming: an edited question, or a system note. Streaming
    /// answers are written through their `AnswerWriter`.
    public func updateMessage(_ id: MessageID, content: String, state: MessageState, error: String? = nil) throws {
        try write { db in
            guard let sessionID = try String.fetchOne(db, sql: "SELECT sessionId FROM message WHERE id = ?",
                                                      arguments: [id.rawValue]) else {
                throw GLMError(.notFound, path: databaseURL.path, "no message \(id.rawValue)")
            }
            try db.execute(sql: """
                UPDATE message SET content = ?, state = ?, error = ?, finishedAt = coalesce(finishedAt, ?), ownerPid = NULL
                WHERE id = ?
                """, arguments: [content, state.rawValue, error, Timestamp.milliseconds(Timestamp.now()), id.rawValue])
            try Self.touch(SessionID(sessionID), db)
        }
    }

    /// Removes one message (an answer being regenerated, or one the user edits away).
    public func deleteMessage(_ id: MessageID) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM message WHERE id = ?", arguments: [id.rawValue])
        }
    }
}
