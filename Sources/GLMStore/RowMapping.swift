import Foundation
import GRDB

/// Turns rows into values, throwing (never trapping) on anything unexpected in the file.
enum RowMapping {
    static let sessionColumnNames = [
        "id", "title", "titleIsCustom", "modelKind", "modelName", "systemPrompt", "temperature", "topP", "topK",
        "repetitionPenalty", "maxNewTokens", "seed", "createdAt", "updatedAt", "archived", "mode", "tools",
    ]

    static let messageColumnNames = [
        "id", "sessionId", "role", "content", "metadata", "model", "promptTokens", "completionTokens",
        "tokensPerSecond", "seed", "finishReason", "createdAt", "finishedAt", "state", "error", "parentId", "chosen",
        "files",
    ]

    static let sessionColumns = sessionColumns(qualifiedBy: nil)
    static let messageColumns = messageColumns(qualifiedBy: nil)

    /// The column list for a SELECT, each name prefixed with `table.` when a query joins tables.
    static func sessionColumns(qualifiedBy table: String?) -> String { list(sessionColumnNames, table) }
    static func messageColumns(qualifiedBy table: String?) -> String { list(messageColumnNames, table) }

    private static func list(_ names: [String], _ table: String?) -> String {
        names.map { name in table.map { "\($0).\(name)" } ?? name }.joined(separator: ", ")
    }

    static func session(_ row: Row) throws -> Session {
        let modeText = try row.decode(String.self, forColumn: "mode")
        guard let mode = SessionMode.allCases.first(where: { $0.rawValue.isByteEqual(to: modeText) }) else {
            throw GLMError(.database, "a session has an unknown mode '\(modeText)'")
        }
        let tools = try row.decode(String?.self, forColumn: "tools").map(toolList)
        return Session(
            id: SessionID(try row.decode(String.self, forColumn: "id")),
            title: try row.decode(String.self, forColumn: "title"),
            titleIsCustom: try row.decode(Bool.self, forColumn: "titleIsCustom"),
            modelKind: try row.decode(String.self, forColumn: "modelKind"),
            modelName: try row.decode(String.self, forColumn: "modelName"),
            systemPrompt: try row.decode(String.self, forColumn: "systemPrompt"),
            sampling: SamplingSettings(
                temperature: Float(try row.decode(Double.self, forColumn: "temperature")),
                topP: Float(try row.decode(Double.self, forColumn: "topP")),
                topK: try row.decode(Int.self, forColumn: "topK"),
                repetitionPenalty: Float(try row.decode(Double.self, forColumn: "repetitionPenalty")),
                maxNewTokens: try row.decode(Int?.self, forColumn: "maxNewTokens"),
                seed: try row.decode(Int64?.self, forColumn: "seed").map { UInt64(bitPattern: $0) }),
            createdAt: Timestamp.date(fromMilliseconds: try row.decode(Int64.self, forColumn: "createdAt")),
            updatedAt: Timestamp.date(fromMilliseconds: try row.decode(Int64.self, forColumn: "updatedAt")),
            isArchived: try row.decode(Bool.self, forColumn: "archived"), mode: mode, tools: tools)
    }

    /// A stored tool list back as JSON; a damaged one is an error, never a guess.
    static func toolList(_ text: String) throws -> JSONValue {
        do {
            return try JSONValue.parse(text)
        } catch {
            throw GLMError(.database, "a session's tool list is not JSON: \(error)")
        }
    }

    /// The tool list as stored: Python's compact `json.dumps`, which `toolList` reads back exactly.
    /// A list JSON cannot write (a NaN or infinite number) is refused here rather than stored unreadable.
    static func toolText(_ tools: JSONValue?) throws -> String? {
        guard let tools else { return nil }
        let text = tools.pythonDumps()
        guard (try? JSONValue.parse(text)) == tools else {
            throw GLMError(.badValue, "the tool list cannot be stored: it holds a number JSON cannot write (NaN or infinity)")
        }
        return text
    }

    static func message(_ row: Row) throws -> Message {
        let roleText = try row.decode(String.self, forColumn: "role")
        let stateText = try row.decode(String.self, forColumn: "state")
        guard let role = Role.allCases.first(where: { $0.rawValue.isByteEqual(to: roleText) }) else {
            throw GLMError(.database, "a message has an unknown role '\(roleText)'")
        }
        guard let state = MessageState.allCases.first(where: { $0.rawValue.isByteEqual(to: stateText) }) else {
            throw GLMError(.database, "a message has an unknown state '\(stateText)'")
        }
        return Message(
            id: MessageID(try row.decode(String.self, forColumn: "id")),
            sessionID: SessionID(try row.decode(String.self, forColumn: "sessionId")),
            role: role,
            content: try row.decode(String.self, forColumn: "content"),
            metadata: try row.decode(String.self, forColumn: "metadata"),
            model: try row.decode(String?.self, forColumn: "model"),
            promptTokens: try row.decode(Int?.self, forColumn: "promptTokens"),
            completionTokens: try row.decode(Int?.self, forColumn: "completionTokens"),
            tokensPerSecond: try row.decode(Double?.self, forColumn: "tokensPerSecond"),
            seed: try row.decode(Int64?.self, forColumn: "seed").map { UInt64(bitPattern: $0) },
            finishReason: try row.decode(String?.self, forColumn: "finishReason"),
            createdAt: Timestamp.date(fromMilliseconds: try row.decode(Int64.self, forColumn: "createdAt")),
            finishedAt: try row.decode(Int64?.self, forColumn: "finishedAt").map(Timestamp.date(fromMilliseconds:)),
            state: state,
            error: try row.decode(String?.self, forColumn: "error"),
            parentID: try row.decode(String?.self, forColumn: "parentId").map(MessageID.init),
            isChosen: try row.decode(Bool.self, forColumn: "chosen"),
            files: try files(try row.decode(String?.self, forColumn: "files")))
    }

    /// The `files` column: a JSON list of strings, NULL when a message has none.
    static func files(_ text: String?) throws -> [String] {
        guard let text else { return [] }
        guard case .array(let items)? = try? JSONValue.parse(text) else {
            throw GLMError(.database, "a message's files are not a JSON list: \(text.prefix(80))")
        }
        return try items.map { item in
            guard case .string(let name) = item else {
                throw GLMError(.database, "a message's files are not a list of names: \(text.prefix(80))")
            }
            return name
        }
    }

    static func filesText(_ files: [String]) -> String? {
        files.isEmpty ? nil : JSONValue.array(files.map { .string($0) }).pythonDumps()
    }

    static func insert(_ s: Session, _ db: Database) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO session (\(sessionColumns))
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try statement.execute(arguments: [
                s.id.rawValue, s.title, s.titleIsCustom, s.modelKind, s.modelName, s.systemPrompt,
                Double(s.sampling.temperature), Double(s.sampling.topP), s.sampling.topK,
                Double(s.sampling.repetitionPenalty), s.sampling.maxNewTokens,
                s.sampling.seed.map { Int64(bitPattern: $0) }, Timestamp.milliseconds(s.createdAt),
                Timestamp.milliseconds(s.updatedAt), s.isArchived, s.mode.rawValue, try toolText(s.tools),
            ])
    }

    /// Inserts `m` at position `seq` of its session; returns the row's pk.
    @discardableResult
    static func insert(_ m: Message, seq: Int, ownerPid: Int32?, _ db: Database) throws -> Int64 {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO message (\(messageColumns), seq, ownerPid)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try statement.execute(arguments: [
                m.id.rawValue, m.sessionID.rawValue, m.role.rawValue, m.content, m.metadata, m.model,
                m.promptTokens, m.completionTokens, m.tokensPerSecond, m.seed.map { Int64(bitPattern: $0) },
                m.finishReason, Timestamp.milliseconds(m.createdAt),
                m.finishedAt.map(Timestamp.milliseconds), m.state.rawValue, m.error, m.parentID?.rawValue, m.isChosen,
                filesText(m.files), seq, ownerPid,
            ])
        return db.lastInsertedRowID
    }
}
