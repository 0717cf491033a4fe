/// What answers a conversation: the local engine, or (later) a remote OpenAI-compatible server. The
/// session cannot tell them apart except by `info`.
public protocol ChatBackend: AnyObject, Sendable {
    var info: ModelInfo { get }
    /// The ids a chat reply stops at, for servers that take them (empty for the base model).
    var stopTokenIDs: [Int32] { get }
    /// Answers `conversation`, handing each event to `onEvent` as it happens (on the backend's own
    /// thread), and returns how it ended. Cancelling the calling task stops it within one token.
    func reply(to conversation: Conversation, settings: ReplySettings,
               onEvent: @escaping @Sendable (ChatEvent) -> Void) async throws -> (FinishReason, GenerationStats)
}
