/// Where sessions and messages are kept. The SQLite store is adapted to this; tests use
/// `InMemorySessionRepository`. Errors are shown to the user, never fatal.
@MainActor
public protocol SessionRepository: AnyObject {
    /// Newest (most recently updated) first.
    func listSessions() throws -> [SessionSummary]
    func messages(in session: SessionID) throws -> [ChatMessage]
    func createSession(title: String) throws -> SessionSummary
    func renameSession(_ session: SessionID, to title: String) throws
    func deleteSession(_ session: SessionID) throws
    /// Appends and returns the stored message with its id.
    func appendMessage(to session: SessionID, role: MessageRole, text: String, state: MessageState) throws -> ChatMessage
    /// Rewrites a message, e.g. an answer while it streams and when it ends.
    func updateMessage(_ message: MessageID, text: String, state: MessageState) throws
    func deleteMessage(_ message: MessageID) throws
}
