/// Where sessions and messages are kept. The SQLite store is adapted to this; tests use
/// `InMemorySessionRepository`. Errors are shown to the user, never fatal.
@MainActor
public protocol SessionRepository: AnyObject {
    /// A page of the active (not archived) sessions, or of the archived ones; newest (most
    /// recently updated) first. Deleted sessions are never listed.
    func listSessions(archived: Bool, offset: Int, limit: Int) throws -> [SessionSummary]
    func messages(in session: SessionID) throws -> [ChatMessage]
    func createSession(title: String) throws -> SessionSummary
    func renameSession(_ session: SessionID, to title: String) throws
    func setArchived(_ session: SessionID, _ archived: Bool) throws
    /// Hides the session at once; `restoreSession` undoes it, `purgeDeletedSession` makes it final.
    func deleteSession(_ session: SessionID) throws
    func restoreSession(_ session: SessionID) throws
    func purgeDeletedSession(_ session: SessionID) throws
    /// Sessions whose title or messages contain every whitespace-separated term of `query`
    /// (case-insensitively), archived ones included, newest first.
    func search(_ query: String) throws -> [SessionSearchHit]
    /// The session as a Markdown document.
    func exportMarkdown(_ session: SessionID) throws -> String
    /// Appends and returns the stored message with its id.
    func appendMessage(to session: SessionID, role: MessageRole, text: String, state: MessageState) throws -> ChatMessage
    /// Rewrites a message, e.g. an answer while it streams and when it ends.
    func updateMessage(_ message: MessageID, text: String, state: MessageState) throws
    func deleteMessage(_ message: MessageID) throws
    /// Something the user must hear about from opening the sessions (a damaged database that was
    /// moved aside, and where to); the app shows it on start.
    var startupNotice: String? { get }
}

extension SessionRepository {
    /// All the active (or archived) sessions, newest first.
    public func listSessions(archived: Bool = false) throws -> [SessionSummary] {
        try listSessions(archived: archived, offset: 0, limit: Int.max)
    }
}

/// One session found by a search, with what to highlight. Match ranges count Characters
/// (grapheme clusters) from the start of their text.
public struct SessionSearchHit: Equatable, Sendable {
    public var session: SessionSummary
    /// Matches in `session.title` (empty when only a message matched).
    public var titleMatches: [Range<Int>]
    /// A piece of the first message that matched, if a message did.
    public var snippet: String?
    public var snippetMatches: [Range<Int>]
    /// The message the snippet comes from (opening the hit shows it).
    public var messageID: MessageID?

    public init(session: SessionSummary, titleMatches: [Range<Int>], snippet: String?, snippetMatches: [Range<Int>],
                messageID: MessageID? = nil) {
        self.session = session
        self.titleMatches = titleMatches
        self.snippet = snippet
        self.snippetMatches = snippetMatches
        self.messageID = messageID
    }
}
