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
        var message = Message(id: .random(), sessionID: sessionID, role: new.role, content: new.content,
                              metadata: new.metadata, model: new.model, promptTokens: new.stats?.promptTokens,
                              completionTokens: new.stats?.generatedTokens,
                              tokensPerSecond: new.stats?.measuredTokensPerSecond,
                              createdAt: Timestamp.now(), finishedAt: nil, state: .complete, error: nil,
                              files: new.files)
        message.parentID = try write { db in try Self.insertNext(message, ownerPid: nil, db).parent }
        return message
    }

    /// The session's chosen path: the conversation as it is shown and sent to the model.
    public func chosenPath(in sessionID: SessionID) throws -> [Message] {
        MessageTree.chosenPath(try messages(in: sessionID))
    }

    /// All messages of a session (every alternative), in the order they were written.
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
        var message = Message(id: .random(), sessionID: sessionID, role: .assistant, content: "",
                              metadata: metadata, model: model, seed: seed, createdAt: Timestamp.now(),
                              state: .streaming)
        let (pk, parent) = try write { db in try Self.insertNext(message, ownerPid: getpid(), db) }
        message.parentID = parent
        return AnswerWriter(store: self, rowID: pk, message: message, saveInterval: saveInterval, clock: clock)
    }

    /// Inserts at the end of the session inside the caller's (immediate) transaction, so two
    /// processes appending to one session can never take the same position. The message follows
    /// the last one of the session's chosen path (`MessageTree`); returns its row and that parent.
    @discardableResult
    static func insertNext(_ message: Message, ownerPid: Int32?, _ db: Database) throws -> (pk: Int64, parent: MessageID?) {
        let session = try requireSession(message.sessionID, db)
        let seq = try Int.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) + 1 FROM message WHERE sessionId = ?",
                                   arguments: [message.sessionID.rawValue]) ?? 1
        var placed = message
        placed.parentID = try chosenPathEnd(message.sessionID, db)
        placed.isChosen = true
        let pk = try RowMapping.insert(placed, seq: seq, ownerPid: ownerPid, db)
        if message.role == .user && !session.titleIsCustom && session.title.isEmpty {
            let title = Titles.title(fromFirstMessage: message.content)
            try db.execute(sql: "UPDATE session SET title = ? WHERE id = ?",
                           arguments: [title, message.sessionID.rawValue])
        }
        try touch(message.sessionID, db)
        return (pk, placed.parentID)
    }

    /// The last message of the session's chosen path, read from the tree's columns alone.
    static func chosenPathEnd(_ sessionID: SessionID, _ db: Database) throws -> MessageID? {
        let rows = try Row.fetchAll(db, sql: "SELECT id, parentId, chosen FROM message WHERE sessionId = ? ORDER BY seq",
                                    arguments: [sessionID.rawValue])
        let nodes = try rows.map { row in
            (id: MessageID(try row.decode(String.self, forColumn: "id")),
             parent: try row.decode(String?.self, forColumn: "parentId").map(MessageID.init),
             chosen: try row.decode(Bool.self, forColumn: "chosen"))
        }
        let path = MessageTree.chosenPath(nodes, id: \.id, parent: \.parent, chosen: \.chosen)
        return path.last.map { nodes[$0].id }
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

    /// Takes a message off the chosen path, keeping it (and what follows it) as an alternative:
    /// "/retry" takes back an answer, "/edit" a question. The next message added takes its place.
    public func retractMessage(_ id: MessageID) throws {
        try write { db in
            try db.execute(sql: "UPDATE message SET chosen = 0 WHERE id = ?", arguments: [id.rawValue])
            if db.changesCount == 0 { throw GLMError(.notFound, path: databaseURL.path, "no message \(id.rawValue)") }
        }
    }

    /// Puts `id` on the chosen path in place of the other alternatives of its turn.
    public func chooseMessage(_ id: MessageID) throws {
        try write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT sessionId, parentId FROM message WHERE id = ?",
                                             arguments: [id.rawValue]) else {
                throw GLMError(.notFound, path: databaseURL.path, "no message \(id.rawValue)")
            }
            let sessionID: String = try row.decode(String.self, forColumn: "sessionId")
            let parent: String? = try row.decode(String?.self, forColumn: "parentId")
            try db.execute(sql: "UPDATE message SET chosen = (id = ?) WHERE sessionId = ? AND parentId IS ?",
                           arguments: [id.rawValue, sessionID, parent])
        }
    }

    /// Removes one message for good.
    public func deleteMessage(_ id: MessageID) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM message WHERE id = ?", arguments: [id.rawValue])
        }
    }
}
