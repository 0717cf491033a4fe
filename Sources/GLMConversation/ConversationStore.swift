/// Where a conversation is kept: the session store (SQLite) implements it. `ChatSession` writes every
/// message through it: the user's message is committed before the answer starts, and the answer is
/// saved as it streams and finished with its stats.
public protocol ConversationStore: Sendable {
    func createSession(_ new: NewSession) throws -> Session
    func session(_ id: SessionID) throws -> Session?
    func messages(in session: SessionID) throws -> [Message]
    /// Adds a message after the last one of the session's chosen path (`MessageTree`).
    @discardableResult
    func appendMessage(_ new: NewMessage, to session: SessionID) throws -> Message
    /// Starts an assistant answer, committed now in state `streaming`.
    func beginAnswer(in session: SessionID, model: String, seed: UInt64?) throws -> any AnswerSink
    func setSystemPrompt(_ text: String, of session: SessionID) throws
    func setSampling(_ sampling: SamplingSettings, of session: SessionID) throws
    /// Keeps the session's mode and the tool list its system message carries (nil: none).
    func setMode(_ mode: SessionMode, tools: JSONValue?, of session: SessionID) throws
    func deleteMessage(_ id: MessageID) throws
    /// Takes a message off the chosen path, keeping it as an alternative (`MessageTree`).
    func retractMessage(_ id: MessageID) throws
    /// Puts a message on the chosen path in place of the other alternatives of its turn.
    func chooseMessage(_ id: MessageID) throws
}

extension ConversationStore {
    /// A store that cannot keep modes says so instead of losing the setting.
    public func setMode(_ mode: SessionMode, tools: JSONValue?, of session: SessionID) throws {
        throw GLMError(.badValue, "this store cannot keep a session's mode (\(mode.title))")
    }
}

/// One streaming answer being saved: deltas in, at least once a second to disk, then its end.
public protocol AnswerSink: AnyObject, Sendable {
    var messageID: MessageID { get }
    /// Adds streamed text (cheap: never waits for the disk).
    func append(_ delta: String)
    /// Writes the final text, metadata, outcome and stats in one transaction and returns the saved message.
    @discardableResult
    func finish(_ reason: FinishReason, metadata: String, stats: GenerationStats) throws -> Message
}
