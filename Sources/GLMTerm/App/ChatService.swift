/// Progress of loading a model. The stream ends after `loaded` or `failed`.
public enum LoadEvent: Equatable, Sendable {
    /// 0...1
    case progress(Double)
    case loaded(LoadedModel)
    case failed(String)
}

public enum FinishReason: Equatable, Sendable {
    case complete
    /// Cancelled by the user; the text so far is kept.
    case stopped
    case failed(String)
}

public struct GenerationStats: Equatable, Sendable {
    public var tokensPerSecond: Double
    public var contextUsed: Int
    public var contextWindow: Int

    public init(tokensPerSecond: Double, contextUsed: Int, contextWindow: Int) {
        self.tokensPerSecond = tokensPerSecond
        self.contextUsed = contextUsed
        self.contextWindow = contextWindow
    }
}

/// One answer being produced. The stream ends after `finished`.
public enum GenerationEvent: Equatable, Sendable {
    /// Prompt tokens read so far, of `total`.
    case promptProgress(done: Int, total: Int)
    case text(String)
    case stats(GenerationStats)
    /// The context window was full: the oldest turns left the model's view (they stay on screen).
    case contextSlid(droppedTurns: Int, droppedTokens: Int)
    case finished(FinishReason)
}

public struct ChatTurn: Equatable, Sendable {
    public var role: MessageRole
    public var text: String

    public init(role: MessageRole, text: String) {
        self.role = role
        self.text = text
    }
}

public enum GenerationMode: Equatable, Sendable {
    /// Roles and the chat template.
    case chat
    /// A base model: the text continues, no roles.
    case completion
}

/// What the model is asked: the system prompt and the turns since the last "/clear", ending with
/// the user's message (chat) or the text to continue (completion).
public struct GenerationRequest: Equatable, Sendable {
    public var system: String?
    public var turns: [ChatTurn]
    public var mode: GenerationMode

    public init(system: String?, turns: [ChatTurn], mode: GenerationMode) {
        self.system = system
        self.turns = turns
        self.mode = mode
    }
}

/// The inference side as the app needs it. The real engine actor is adapted to this; tests use
/// `DemoChatService`. Streams are consumed on the main actor.
@MainActor
public protocol ChatService: AnyObject {
    /// Loads (or switches to) a model in the background; the previous one stays usable until the
    /// new one is loaded.
    func loadModel(_ model: ModelEntry) -> AsyncStream<LoadEvent>
    func generate(_ request: GenerationRequest) -> AsyncStream<GenerationEvent>
    /// Stops the running generation within one token; its stream then finishes with `.stopped`.
    func cancelGeneration()
}
