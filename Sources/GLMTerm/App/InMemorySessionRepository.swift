import Foundation

/// Sessions kept in memory, for tests and for running without a data directory. Its clock
/// advances one second per change, so "newest first" is deterministic.
@MainActor
public final class InMemorySessionRepository: SessionRepository {
    private var sessions: [SessionSummary] = []
    /// Deleted but still restorable (the sidebar's undo window).
    private var deleted: [SessionSummary] = []
    private var messagesBySession: [SessionID: [ChatMessage]] = [:]
    private var nextSessionID: SessionID = 1
    private var nextMessageID: MessageID = 1
    private var clock: TimeInterval = 1_700_000_000

    public var startupNotice: String?

    public init(startupNotice: String? = nil) {
        self.startupNotice = startupNotice
    }

    public func listSessions(archived: Bool, offset: Int, limit: Int) throws -> [SessionSummary] {
        let listed = sessions.filter { $0.isArchived == archived }.sorted { $0.updatedAt > $1.updatedAt }
        return Array(listed.dropFirst(max(0, offset)).prefix(max(0, limit)))
    }

    public func messages(in session: SessionID) throws -> [ChatMessage] {
        try checkExists(session)
        return messagesBySession[session] ?? []
    }

    public func createSession(title: String) throws -> SessionSummary {
        let session = SessionSummary(id: nextSessionID, title: title, updatedAt: tick())
        nextSessionID += 1
        sessions.append(session)
        messagesBySession[session.id] = []
        return session
    }

    public func renameSession(_ session: SessionID, to title: String) throws {
        let index = try indexOf(session)
        sessions[index].title = title
    }

    public func setArchived(_ session: SessionID, _ archived: Bool) throws {
        let index = try indexOf(session)
        sessions[index].isArchived = archived
    }

    public func deleteSession(_ session: SessionID) throws {
        let index = try indexOf(session)
        deleted.append(sessions.remove(at: index))
    }

    public func restoreSession(_ session: SessionID) throws {
        guard let index = deleted.firstIndex(where: { $0.id == session }) else { throw RepositoryError.noSuchSession(session) }
        sessions.append(deleted.remove(at: index))
    }

    public func purgeDeletedSession(_ session: SessionID) throws {
        guard let index = deleted.firstIndex(where: { $0.id == session }) else { return }
        deleted.remove(at: index)
        messagesBySession[session] = nil
    }

    public func search(_ query: String) throws -> [SessionSearchHit] {
        let terms = SearchTerms.terms(query)
        guard !terms.isEmpty else { return [] }
        var hits: [SessionSearchHit] = []
        for session in sessions.sorted(by: { $0.updatedAt > $1.updatedAt }) {
            let titleMatches = SearchTerms.containsAll(terms, in: session.title) ? SearchTerms.ranges(of: terms, in: session.title) : []
            let message = messagesBySession[session.id]?.first { SearchTerms.containsAll(terms, in: $0.text) }
            guard !titleMatches.isEmpty || message != nil else { continue }
            hits.append(SessionSearchHit(session: session, titleMatches: titleMatches, snippet: message?.text,
                                         snippetMatches: message.map { SearchTerms.ranges(of: terms, in: $0.text) } ?? [],
                                         messageID: message?.id))
        }
        return hits
    }

    public func exportMarkdown(_ session: SessionID) throws -> String {
        let summary = sessions[try indexOf(session)]
        var parts = ["# \(summary.title)"]
        for message in messagesBySession[session] ?? [] {
            switch message.role {
            case .user: parts.append("## User\n\n\(message.text)")
            case .assistant: parts.append("## Assistant\n\n\(message.text)")
            case .system: parts.append("## System\n\n\(message.text)")
            case .contextCleared: parts.append("---\n\n*Context cleared.*")
            }
        }
        return parts.joined(separator: "\n\n") + "\n"
    }

    public func appendMessage(to session: SessionID, role: MessageRole, text: String, state: MessageState) throws -> ChatMessage {
        let index = try indexOf(session)
        let message = ChatMessage(id: nextMessageID, role: role, text: text, state: state)
        nextMessageID += 1
        messagesBySession[session, default: []].append(message)
        sessions[index].updatedAt = tick()
        return message
    }

    public func updateMessage(_ message: MessageID, text: String, state: MessageState) throws {
        let (session, index) = try locate(message)
        messagesBySession[session]?[index].text = text
        messagesBySession[session]?[index].state = state
    }

    public func deleteMessage(_ message: MessageID) throws {
        let (session, index) = try locate(message)
        messagesBySession[session]?.remove(at: index)
    }

    private func tick() -> Date {
        clock += 1
        return Date(timeIntervalSince1970: clock)
    }

    private func checkExists(_ session: SessionID) throws {
        _ = try indexOf(session)
    }

    private func indexOf(_ session: SessionID) throws -> Int {
        guard let index = sessions.firstIndex(where: { $0.id == session }) else {
            throw RepositoryError.noSuchSession(session)
        }
        return index
    }

    private func locate(_ message: MessageID) throws -> (SessionID, Int) {
        for (session, messages) in messagesBySession {
            if let index = messages.firstIndex(where: { $0.id == message }) { return (session, index) }
        }
        throw RepositoryError.noSuchMessage(message)
    }
}

public enum RepositoryError: Error, Equatable, CustomStringConvertible {
    case noSuchSession(SessionID)
    case noSuchMessage(MessageID)

    public var description: String {
        switch self {
        case .noSuchSession(let id): return "no session with id \(id)"
        case .noSuchMessage(let id): return "no message with id \(id)"
        }
    }
}
