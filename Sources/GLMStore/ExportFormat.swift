import Foundation

/// The JSON export of one session: everything needed to re-create it exactly. Dates are UTC
/// ISO 8601 strings with milliseconds (the store's own precision), so the file round-trips.
struct ExportDocument: Codable, Equatable {
    static let formatName = "glmchat-session"
    static let currentVersion = 1

    var format: String
    var version: Int
    var session: ExportedSession
    var messages: [ExportedMessage]
}

struct ExportedSession: Codable, Equatable {
    var id: String
    var title: String
    var titleIsCustom: Bool
    var modelKind: String
    var modelName: String
    var systemPrompt: String
    var sampling: ExportedSampling
    var createdAt: String
    var updatedAt: String
    var archived: Bool
    /// Added with tool calling (schema 6); absent in older exports, which are chat sessions.
    var mode: String?
    /// The tool list as its JSON text (exactly what the system message carries); absent: none.
    var tools: String?
}

struct ExportedSampling: Codable, Equatable {
    var temperature: Float
    var topP: Float
    var topK: Int
    var repetitionPenalty: Float
    var maxNewTokens: Int?
    var seed: UInt64?
}

struct ExportedMessage: Codable, Equatable {
    var id: String
    var role: String
    var content: String
    var metadata: String
    var model: String?
    var promptTokens: Int?
    var completionTokens: Int?
    var tokensPerSecond: Double?
    /// Added in glmchat 0.3; absent in older exports.
    var seed: UInt64?
    var finishReason: String?
    var createdAt: String
    var finishedAt: String?
    var state: String
    var error: String?
    /// Added with alternatives (schema 5); absent in older exports, which are one path in order.
    var parentId: String?
    var chosen: Bool?
    /// Added with result files (schema 7): what a code block wrote; absent when none.
    var files: [String]?
}

extension ExportDocument {
    init(_ s: Session, _ messages: [Message]) {
        format = Self.formatName
        version = Self.currentVersion
        session = ExportedSession(
            id: s.id.rawValue, title: s.title, titleIsCustom: s.titleIsCustom, modelKind: s.modelKind,
            modelName: s.modelName, systemPrompt: s.systemPrompt,
            sampling: ExportedSampling(temperature: s.sampling.temperature, topP: s.sampling.topP,
                                       topK: s.sampling.topK, repetitionPenalty: s.sampling.repetitionPenalty,
                                       maxNewTokens: s.sampling.maxNewTokens, seed: s.sampling.seed),
            createdAt: Timestamp.iso8601(s.createdAt), updatedAt: Timestamp.iso8601(s.updatedAt),
            archived: s.isArchived, mode: s.mode.rawValue, tools: s.tools?.pythonDumps())
        self.messages = messages.map { m in
            ExportedMessage(id: m.id.rawValue, role: m.role.rawValue, content: m.content, metadata: m.metadata,
                            model: m.model, promptTokens: m.promptTokens, completionTokens: m.completionTokens,
                            tokensPerSecond: m.tokensPerSecond, seed: m.seed, finishReason: m.finishReason,
                            createdAt: Timestamp.iso8601(m.createdAt),
                            finishedAt: m.finishedAt.map(Timestamp.iso8601), state: m.state.rawValue, error: m.error,
                            parentId: m.parentID?.rawValue, chosen: m.isChosen, files: m.files.isEmpty ? nil : m.files)
        }
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Data(JSONControlEscaping.escapingControls(Array(try encoder.encode(self))))
    }

    /// Checks every field and turns the document back into values; `path` names the file in errors.
    func decodedValues(path: String) throws -> (Session, [Message]) {
        func bad(_ problem: String) -> GLMError { GLMError(.badImport, path: path, problem) }
        guard format == Self.formatName else { throw bad("not a glmchat session export (format '\(format)')") }
        guard version == Self.currentVersion else {
            throw bad("export format version \(version) is not supported (this glmchat reads version \(Self.currentVersion))")
        }
        func date(_ text: String, _ field: String) throws -> Date {
            guard let date = Timestamp.parseISO8601(text) else { throw bad("\(field) '\(text)' is not an ISO 8601 UTC time") }
            return date
        }
        func uuid(_ text: String, _ field: String) throws -> String {
            guard let parsed = UUID(uuidString: text), parsed.uuidString.lowercased() == text.lowercased() else {
                throw bad("\(field) '\(text)' is not a UUID")
            }
            return text.lowercased()
        }
        let s = session
        var mode = SessionMode.chat
        if let name = s.mode {
            guard let known = SessionMode.allCases.first(where: { $0.rawValue.isByteEqual(to: name) }) else {
                throw bad("session.mode '\(name)' is unknown (chat, tool or code)")
            }
            mode = known
        }
        var tools: JSONValue?
        if let text = s.tools {
            do {
                tools = try JSONValue.parse(text)
            } catch {
                throw bad("session.tools is not a JSON tool list: \(error)")
            }
        }
        let sessionValue = Session(
            id: SessionID(try uuid(s.id, "session.id")), title: s.title, titleIsCustom: s.titleIsCustom,
            modelKind: s.modelKind, modelName: s.modelName, systemPrompt: s.systemPrompt,
            sampling: SamplingSettings(temperature: s.sampling.temperature, topP: s.sampling.topP,
                                       topK: s.sampling.topK, repetitionPenalty: s.sampling.repetitionPenalty,
                                       maxNewTokens: s.sampling.maxNewTokens, seed: s.sampling.seed),
            createdAt: try date(s.createdAt, "session.createdAt"),
            updatedAt: try date(s.updatedAt, "session.updatedAt"), isArchived: s.archived, mode: mode, tools: tools)
        var seen = Set<String>()
        let messageValues = try messages.enumerated().map { index, m -> Message in
            let field = "messages[\(index)]"
            guard let role = Role.allCases.first(where: { $0.rawValue.isByteEqual(to: m.role) }) else {
                throw bad("\(field).role '\(m.role)' is unknown")
            }
            guard let state = MessageState.allCases.first(where: { $0.rawValue.isByteEqual(to: m.state) }) else {
                throw bad("\(field).state '\(m.state)' is unknown")
            }
            let id = try uuid(m.id, "\(field).id")
            guard seen.insert(id).inserted else { throw bad("\(field).id \(id) appears twice") }
            return Message(id: MessageID(id), sessionID: sessionValue.id, role: role, content: m.content,
                           metadata: m.metadata, model: m.model, promptTokens: m.promptTokens,
                           completionTokens: m.completionTokens, tokensPerSecond: m.tokensPerSecond,
                           seed: m.seed, finishReason: m.finishReason,
                           createdAt: try date(m.createdAt, "\(field).createdAt"),
                           finishedAt: try m.finishedAt.map { try date($0, "\(field).finishedAt") },
                           state: state, error: m.error,
                           parentID: try m.parentId.map { MessageID(try uuid($0, "\(field).parentId")) },
                           isChosen: m.chosen ?? true, files: m.files ?? [])
        }
        return (sessionValue, messageValues)
    }
}
