import Foundation
import GRDB

extension GLMStore {
    /// The session as JSON that `importSession` reads back exactly (same ids, texts, dates, stats):
    /// its chosen path, or with `alternatives` every message of its tree.
    public func exportJSON(_ id: SessionID, alternatives: Bool = false) throws -> Data {
        let (session, all) = try sessionWithMessages(id)
        let messages = alternatives ? all : MessageTree.chosenPath(all)
        do {
            return try ExportDocument(session, messages).encoded()
        } catch {
            throw GLMError(.io, "cannot encode session \(id) as JSON: \(error)")
        }
    }

    /// The session as a Markdown document for people to read (not for import): its chosen path, or
    /// with `alternatives` every message, each alternative marked.
    public func exportMarkdown(_ id: SessionID, alternatives: Bool = false) throws -> String {
        let (session, all) = try sessionWithMessages(id)
        return alternatives ? MarkdownExport.render(session, MarkdownExport.tree(all), marking: all)
            : MarkdownExport.render(session, MarkdownExport.tree(MessageTree.chosenPath(all)), marking: [])
    }

    /// Reads one exported session and adds it in one transaction. `path` names the source in errors.
    /// With `assignNewIDs`, the session and its messages get fresh ids (importing a copy of a
    /// session that is already here); otherwise an id already present is an error.
    @discardableResult
    public func importSession(from data: Data, path: String, assignNewIDs: Bool = false) throws -> Session {
        let document: ExportDocument
        do {
            document = try JSONDecoder().decode(ExportDocument.self, from: data)
        } catch let error as DecodingError {
            throw GLMError(.badImport, path: path, "not a glmchat session export: \(Self.describe(error))")
        }
        var (session, messages) = try document.decodedValues(path: path)
        if document.messages.allSatisfy({ $0.parentId == nil }) {
            // an export from before alternatives: one path, in order
            for index in messages.indices { messages[index].parentID = index > 0 ? messages[index - 1].id : nil }
        }
        if assignNewIDs {
            session.id = .random()
            var newIDs: [MessageID: MessageID] = [:]
            for message in messages { newIDs[message.id] = .random() }
            messages = messages.map { m in
                var copy = m
                copy.id = newIDs[m.id] ?? .random()
                copy.parentID = m.parentID.flatMap { newIDs[$0] }
                copy.sessionID = session.id
                return copy
            }
        }
        let imported = session
        let importedMessages = messages
        try write { db in
            let exists = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM session WHERE id = ?)",
                                           arguments: [imported.id.rawValue]) ?? false
            if exists {
                throw GLMError(.alreadyExists, path: path,
                                 "session \(imported.id) is already in the database (import a copy with --new-ids)")
            }
            try RowMapping.insert(imported, db)
            for (index, message) in importedMessages.enumerated() {
                let taken = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM message WHERE id = ?)",
                                              arguments: [message.id.rawValue]) ?? false
                if taken {
                    throw GLMError(.alreadyExists, path: path,
                                     "message \(message.id) is already in the database (import a copy with --new-ids)")
                }
                try RowMapping.insert(message, seq: index + 1, ownerPid: nil, db)
            }
        }
        return imported
    }

    func sessionWithMessages(_ id: SessionID) throws -> (Session, [Message]) {
        try read { db in
            let session = try Self.requireSession(id, db)
            let messages = try Row.fetchAll(db, sql: """
                SELECT \(RowMapping.messageColumns) FROM message WHERE sessionId = ? ORDER BY seq
                """, arguments: [id.rawValue]).map(RowMapping.message)
            return (session, messages)
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return keys.isEmpty ? "" : " at \(keys.hasPrefix(".") ? String(keys.dropFirst()) : keys)"
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing field '\(key.stringValue)'\(path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(context.debugDescription)\(path(context))"
        case .dataCorrupted(let context): return "\(context.debugDescription)\(path(context))"
        @unknown default: return "\(error)"
        }
    }
}

/// The Markdown document people read (and `sessions show` prints). Control characters in any text
/// show as their pictures (`ControlPictures`), so neither a terminal nor a viewer obeys them.
enum MarkdownExport {
    /// One entry per message, with its place among its turn's alternatives when there are several.
    struct Entry {
        var message: Message
        var alternative: (position: Int, count: Int)?
    }

    /// `messages` in the order they are read: each message, then what follows it, depth first.
    static func tree(_ messages: [Message]) -> [Message] {
        let known = Set(messages.map(\.id))
        var children: [MessageID?: [Message]] = [:]
        let linear = messages.allSatisfy { $0.parentID == nil && $0.isChosen }
        for (index, message) in messages.enumerated() {
            let parent = linear ? (index > 0 ? messages[index - 1].id : nil) : message.parentID.flatMap { known.contains($0) ? $0 : nil }
            children[parent, default: []].append(message)
        }
        var ordered: [Message] = []
        var visited = Set<MessageID>()
        func walk(_ parent: MessageID?) {
            // the chosen alternative first, then the others
            let turn = (children[parent] ?? []).sorted { $0.isChosen && !$1.isChosen }
            for message in turn where visited.insert(message.id).inserted {
                ordered.append(message)
                walk(message.id)
            }
        }
        walk(nil)
        return ordered
    }

    /// `marking`: the whole tree, to label each alternative (empty: no labels).
    static func render(_ session: Session, _ messages: [Message], marking all: [Message]) -> String {
        var lines = ["# \(session.displayTitle)", ""]
        lines.append("- Model: \(session.modelKind) · \(session.modelName)")
        lines.append("- Created: \(Timestamp.iso8601(session.createdAt)) · Updated: \(Timestamp.iso8601(session.updatedAt))")
        lines.append("- Session: \(session.id)\(session.isArchived ? " (archived)" : "")")
        if session.mode != .chat { lines.append("- Mode: \(session.mode.title)") }
        if let tools = session.tools { lines += ["", "## Tools", "", "```json", tools.pythonDumps(indent: 4), "```"] }
        if !session.systemPrompt.isEmpty {
            lines += ["", "## System", "", session.systemPrompt]
        }
        for message in messages {
            var heading = heading(message)
            let turn = all.isEmpty ? [] : MessageTree.alternatives(of: message, in: all)
            if turn.count > 1, let position = turn.firstIndex(where: { $0.id == message.id }) {
                heading += " · alternative \(position + 1) of \(turn.count)" + (message.isChosen ? " (shown)" : "")
            }
            lines += ["", "## " + heading, "", message.content]
            if message.state == .failed, let error = message.error {
                lines += ["", "> failed: \(error)"]
            }
        }
        return ControlPictures.visible(lines.joined(separator: "\n") + "\n")
    }

    private static func heading(_ m: Message) -> String {
        var parts = [m.role.rawValue.prefix(1).uppercased() + m.role.rawValue.dropFirst()]
        if !m.metadata.isEmpty { parts.append(m.role == .observation ? m.metadata : "tool call: \(m.metadata)") }
        if let model = m.model { parts.append(model) }
        if let tokens = m.completionTokens { parts.append("\(tokens) tokens") }
        if let speed = m.tokensPerSecond { parts.append(String(format: "%.1f tokens/s", speed)) }
        if m.state != .complete { parts.append(m.state.rawValue) }
        return parts.joined(separator: " · ")
    }
}
