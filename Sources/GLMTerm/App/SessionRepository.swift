/// Where sessions and messages are kept. The SQLite store is adapted to this; tests use
/// `InMemorySessionRepository`. Errors are shown to the user, never fatal.
@MainActor
public protocol SessionRepository: AnyObject {
    /// Newest (most recently updated) first.
    func listSessions() throws -> [SessionSummary]
    func messages(in session: ChatSessionID) throws -> [ChatMessage]
    func createSession(title: String) throws -> SessionSummary
    func renameSession(_ session: ChatSessionID, to title: String) throws
    func deleteSession(_ session: ChatSessionID) throws
    /// Appends and returns the stored message with its id.
    func appendMessage(to session: ChatSessionID, role: MessageRole, text: String, state: MessageState) throws -> ChatMessage
    /// Rewrites a message, e.g. an answer while it streams and when it ends.
    func updateMessage(_ message: ChatMessageID, text: String, state: MessageState) throws
    func deleteMessage(_ message: ChatMessageID) throws
}
