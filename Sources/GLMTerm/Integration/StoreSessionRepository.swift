import Foundation
import GLMStore

/// The app's `SessionRepository` over the SQLite store. Streaming answers go through the store's
/// `AnswerWriter` (saved at least once a second and at the end, recoverable after a crash).
///
/// The app identifies sessions and messages by small integers; the store by UUIDs. This adapter keeps
/// the mapping for the life of the process.
@MainActor
public final class StoreSessionRepository: SessionRepository {
    private let store: GLMStore
    private let modelKind: () -> String
    private let modelName: () -> String
    private var sessions = KeyMap<StoreSessionID>()
    private var messageMap = KeyMap<StoreMessageID>()
    private var writers: [MessageID: AnswerWriter] = [:]
    /// The metadata that marks a "/clear" point, stored as an empty system message.
    static let contextClearedMarker = "glmchat:context-cleared"

    /// `modelKind`/`modelName` say which model new sessions and answers are credited to.
    public init(store: GLMStore, modelKind: @escaping () -> String, modelName: @escaping () -> String) {
        self.store = store
        self.modelKind = modelKind
        self.modelName = modelName
    }

    private func key(for id: StoreSessionID) -> SessionID { sessions.key(for: id) }
    private func key(for id: StoreMessageID) -> MessageID { messageMap.key(for: id) }

    private func storeID(_ session: SessionID) throws -> StoreSessionID {
        guard let id = sessions.id(for: session) else { throw StoreError(.notFound, "no session \(session) in this window") }
        return id
    }

    private func storeID(message: MessageID) throws -> StoreMessageID {
        guard let id = messageMap.id(for: message) else { throw StoreError(.notFound, "no message \(message) in this window") }
        return id
    }

    /// A damaged database that the store moved aside, said in full (where it was, where it is now).
    public var startupNotice: String? {
        store.notice.map { notice in
            let text = notice.description
            return text.prefix(1).uppercased() + text.dropFirst()
        }
    }

    public func listSessions(archived: Bool, offset: Int, limit: Int) throws -> [SessionSummary] {
        try store.listSessions(archived ? .archived : .active, offset: offset, limit: limit).map(summary)
    }

    private func summary(_ session: Session) -> SessionSummary {
        SessionSummary(id: key(for: session.id), title: session.displayTitle, updatedAt: session.updatedAt,
                       isArchived: session.isArchived)
    }

    public func setArchived(_ session: SessionID, _ archived: Bool) throws {
        try store.setArchived(storeID(session), archived)
    }

    public func restoreSession(_ session: SessionID) throws {
        try store.restoreSession(storeID(session))
    }

    public func purgeDeletedSession(_ session: SessionID) throws {
        try store.purgeDeletedSession(storeID(session))
    }

    /// The 200 most recent matching sessions: more than anyone scrolls through, and a common
    /// word stays as quick as a rare one.
    public func search(_ query: String) throws -> [SessionSearchHit] {
        try store.search(query, limit: 200).map { hit in
            SessionSearchHit(session: summary(hit.session),
                             titleMatches: Self.offsets(hit.titleMatches, in: hit.session.title),
                             snippet: hit.snippet?.text,
                             snippetMatches: hit.snippet.map { Self.offsets($0.matches, in: $0.text) } ?? [],
                             messageID: hit.messageID.map { key(for: $0) })
        }
    }

    private static func offsets(_ ranges: [Range<String.Index>], in text: String) -> [Range<Int>] {
        ranges.map { range in
            let start = text.distance(from: text.startIndex, to: range.lowerBound)
            return start..<(start + text.distance(from: range.lowerBound, to: range.upperBound))
        }
    }

    public func exportMarkdown(_ session: SessionID) throws -> String {
        try store.exportMarkdown(storeID(session))
    }

    public func messages(in session: SessionID) throws -> [ChatMessage] {
        try store.messages(in: storeID(session)).map { message in
            let role: MessageRole
            switch message.role {
            case .user: role = .user
            case .assistant, .observation: role = .assistant
            case .system: role = message.metadata == Self.contextClearedMarker ? .contextCleared : .system
            }
            let state: MessageState
            switch message.state {
            case .complete: state = .complete
            case .streaming: state = .streaming
            case .stopped: state = .stopped
            case .failed: state = .failed(message.error ?? "failed")
            }
            return ChatMessage(id: key(for: message.id), role: role, text: message.content, state: state)
        }
    }

    public func createSession(title: String) throws -> SessionSummary {
        let session = try store.createSession(NewSession(modelKind: modelKind(), modelName: modelName(),
                                                         title: title.isEmpty ? nil : title))
        return summary(session)
    }

    public func renameSession(_ session: SessionID, to title: String) throws {
        _ = try store.renameSession(storeID(session), to: title)
    }

    public func deleteSession(_ session: SessionID) throws {
        try store.deleteSession(storeID(session))
    }

    public func appendMessage(to session: SessionID, role: MessageRole, text: String,
                              state: MessageState) throws -> ChatMessage {
        let id = try storeID(session)
        if role == .assistant, state == .streaming {
            let writer = try store.beginAnswer(in: id, model: modelName())
            writer.append(text)
            let key = key(for: writer.messageID)
            writers[key] = writer
            return ChatMessage(id: key, role: role, text: text, state: state)
        }
        let stored: StoreMessage
        switch role {
        case .user: stored = try store.appendMessage(NewMessage(role: .user, content: text), to: id)
        case .assistant: stored = try store.appendMessage(NewMessage(role: .assistant, content: text, model: modelName()), to: id)
        case .system: stored = try store.appendMessage(NewMessage(role: .system, content: text), to: id)
        case .contextCleared:
            stored = try store.appendMessage(NewMessage(role: .system, content: "", metadata: Self.contextClearedMarker), to: id)
        }
        return ChatMessage(id: key(for: stored.id), role: role, text: text, state: state)
    }

    public func updateMessage(_ message: MessageID, text: String, state: MessageState) throws {
        if let writer = writers[message] {
            let saved = writer.content
            if text.hasPrefix(saved) {
                writer.append(String(text.dropFirst(saved.count)))
            } else {
                // The text was rewritten rather than extended: finish the writer with it as a whole.
                _ = try writer.finish(.complete)
                writers[message] = nil
                try store.updateMessage(storeID(message: message), content: text, state: storeState(state), error: failure(state))
                return
            }
            switch state {
            case .streaming: return
            case .complete: _ = try writer.finish(.complete)
            case .stopped: _ = try writer.finish(.stopped)
            case .failed(let reason): _ = try writer.finish(.failed(reason: reason))
            }
            writers[message] = nil
            return
        }
        try store.updateMessage(storeID(message: message), content: text, state: storeState(state), error: failure(state))
    }

    public func deleteMessage(_ message: MessageID) throws {
        if let writer = writers.removeValue(forKey: message) { _ = try? writer.finish(.stopped) }
        try store.deleteMessage(storeID(message: message))
    }

    private func storeState(_ state: MessageState) -> StoreMessageState {
        switch state {
        case .complete: return .complete
        case .streaming: return .streaming
        case .stopped: return .stopped
        case .failed: return .failed
        }
    }

    private func failure(_ state: MessageState) -> String? {
        if case .failed(let reason) = state { return reason }
        return nil
    }
}

/// Small integer keys for the store's UUIDs, stable for the life of the process.
private struct KeyMap<ID: Hashable> {
    private var keys: [ID: Int64] = [:]
    private var ids: [Int64: ID] = [:]

    mutating func key(for id: ID) -> Int64 {
        if let key = keys[id] { return key }
        let key = Int64(keys.count + 1)
        keys[id] = key
        ids[key] = id
        return key
    }

    func id(for key: Int64) -> ID? { ids[key] }
}
