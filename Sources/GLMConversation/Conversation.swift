/// What a model is asked to continue: the messages it sees, in order, and the tools offered with
/// the leading system message. Front ends never turn this into tokens; the backend does.
public struct Conversation: Sendable, Equatable {
    public var messages: [Message]
    /// The tool list (JSON, in the caller's key order) appended to the leading system message.
    public var tools: JSONValue?

    public init(messages: [Message], tools: JSONValue? = nil) {
        self.messages = messages
        self.tools = tools
    }
}

/// What one answer may use.
public struct ReplySettings: Sendable, Equatable {
    public var sampling: SamplingSettings
    /// The seed to draw with (a fresh one per answer unless the session fixes one).
    public var seed: UInt64
    /// The most new tokens; nil: up to the window.
    public var maxTokens: Int?

    public init(sampling: SamplingSettings, seed: UInt64, maxTokens: Int? = nil) {
        self.sampling = sampling
        self.seed = seed
        self.maxTokens = maxTokens
    }
}
