import Foundation

/// Sessions kept in memory, for tests and for running without a data directory. Its clock
/// advances one second per change, so "newest first" is deterministic.
@MainActor
public final class InMemorySessionRepository: SessionRepository {
    private var sessions: [SessionSummary] = []
    private var messagesBySession: [ChatSessionID: [ChatMessage]] = [:]
    private var sessionCount = 0
    private var messageCount = 0
    private var clock: TimeInterval = 1_700_000_000

    public init() {}

    public func listSessions() throws -> [SessionSummary] {
        sessions.sorted { $0.updatedAt > $1.updatedAt }
    }

    public func messages(in session: ChatSessionID) throws -> [ChatMessage] {
        try checkExists(session)
        return messagesBySession[session] ?? []
    }

    public func createSession(title: String) throws -> SessionSummary {
        sessionCount += 1
        let session = SessionSummary(id: "session-\(sessionCount)", title: title, updatedAt: tick())
        sessions.append(session)
        messagesBySession[session.id] = []
        return session
    }

    public func renameSession(_ session: ChatSessionID, to title: String) throws {
        let index = try indexOf(session)
        sessions[index].title = title
    }

    public func deleteSession(_ session: ChatSessionID) throws {
        let index = try indexOf(session)
        sessions.remove(at: index)
        messagesBySession[session] = nil
    }

    public func appendMessage(to session: ChatSessionID, role: MessageRole, text: String, state: MessageState) throws -> ChatMessage {
        let index = try indexOf(session)
        messageCount += 1
        let message = ChatMessage(id: "message-\(messageCount)", role: role, text: text, state: state)
        messagesBySession[session, default: []].append(message)
        sessions[index].updatedAt = tick()
        return message
    }

    public func updateMessage(_ message: ChatMessageID, text: String, state: MessageState) throws {
        let (session, index) = try locate(message)
        messagesBySession[session]?[index].text = text
        messagesBySession[session]?[index].state = state
    }

    public func deleteMessage(_ message: ChatMessageID) throws {
        let (session, index) = try locate(message)
        messagesBySession[session]?.remove(at: index)
    }

    private func tick() -> Date {
        clock += 1
        return Date(timeIntervalSince1970: clock)
    }

    private func checkExists(_ session: ChatSessionID) throws {
        _ = try indexOf(session)
    }

    private func indexOf(_ session: ChatSessionID) throws -> Int {
        guard let index = sessions.firstIndex(where: { $0.id == session }) else {
            throw RepositoryError.noSuchSession(session)
        }
        return index
    }

    private func locate(_ message: ChatMessageID) throws -> (ChatSessionID, Int) {
        for (session, messages) in messagesBySession {
            if let index = messages.firstIndex(where: { $0.id == message }) { return (session, index) }
        }
        throw RepositoryError.noSuchMessage(message)
    }
}

public enum RepositoryError: Error, Equatable, CustomStringConvertible {
    case noSuchSession(ChatSessionID)
    case noSuchMessage(ChatMessageID)

    public var description: String {
        switch self {
        case .noSuchSession(let id): return "no session with id \(id)"
        case .noSuchMessage(let id): return "no message with id \(id)"
        }
    }
}
