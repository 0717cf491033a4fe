/// Why an answer ended.
public enum FinishReason: Sendable, Equatable {
    /// A stop token (`</s>`, `<|user|>`, `<|observation|>`) or a stop string ended it.
    case stopToken(Int32)
    /// It reached the limit on new tokens.
    case maxTokens
    /// The user (or a closed connection) stopped it; what was written is kept.
    case cancelled
    /// Generation failed; the text so far is kept.
    case failed(String)

    /// The name stored with a message and sent by the server: OpenAI's `stop`, `length`, and ours.
    public var name: String {
        switch self {
        case .stopToken: "stop"
        case .maxTokens: "length"
        case .cancelled: "cancelled"
        case .failed: "failed"
        }
    }

    /// The state an answer that ended this way is saved in.
    public var messageState: MessageState {
        switch self {
        case .stopToken, .maxTokens: .complete
        case .cancelled: .stopped
        case .failed: .failed
        }
    }
}

/// What a slide did: how much of the conversation left the model's view.
public struct SlideReport: Sendable, Equatable {
    public var droppedTokens: Int
    public var droppedTurns: Int
    /// Tokens read at the slide itself (the kept tail, less what was read ahead while the window filled).
    public var rereadTokens: Int
    /// Kept tokens read ahead, alongside generated tokens, before the window filled.
    public var readAheadTokens: Int

    public init(droppedTokens: Int, droppedTurns: Int, rereadTokens: Int, readAheadTokens: Int = 0) {
        self.droppedTokens = droppedTokens
        self.droppedTurns = droppedTurns
        self.rereadTokens = rereadTokens
        self.readAheadTokens = readAheadTokens
    }
}

/// Timings and counts of one answer, measured by whatever produced it (the engine's own clock).
public struct GenerationStats: Sendable, Equatable {
    public var promptTokens = 0
    /// Prompt tokens already in the cache from earlier requests (not read again).
    public var reusedTokens = 0
    /// Slides during this answer, the kept tokens they read at the slide, and those read ahead
    /// alongside generated tokens before it.
    public var slides = 0
    public var rereadTokens = 0
    public var readAheadTokens = 0
    /// The longest time between two tokens of the answer (a slide that reads at once shows here).
    public var longestTokenGapSeconds = 0.0
    public var generatedTokens = 0
    /// Speculative decoding: tokens guessed, those the model agreed with (each one a pass over the
    /// weights saved), and the passes that checked them.
    public var draftedTokens = 0
    public var acceptedTokens = 0
    public var verifyPasses = 0
    public var promptSeconds = 0.0
    public var generationSeconds = 0.0
    /// Tokens in the cache when the answer ended, and the window it can grow to.
    public var contextUsed = 0
    public var contextWindow = 0

    public init() {}

    /// Nothing was read or generated (an answer that failed before it began): no figures to keep.
    public var isEmpty: Bool { promptTokens == 0 && generatedTokens == 0 }

    public var promptTokensPerSecond: Double {
        promptSeconds > 0 ? Double(promptTokens - reusedTokens) / promptSeconds : 0
    }

    public var generationTokensPerSecond: Double {
        generationSeconds > 0 ? Double(generatedTokens) / generationSeconds : 0
    }

    /// The generation rate to show or save: none when no time was measured (no tokens, or a remote
    /// answer whose text came in one piece), rather than a rate of 0.
    public var measuredTokensPerSecond: Double? {
        generatedTokens > 0 && generationSeconds > 0 ? generationTokensPerSecond : nil
    }
}

/// How far an answer has come, sent with every token.
public struct GenerationProgress: Sendable, Equatable {
    public var generatedTokens: Int
    /// Seconds since the first token was sampled, on the producer's clock.
    public var generationSeconds: Double
    public var contextUsed: Int
    public var contextWindow: Int
    /// Speculative decoding so far: tokens guessed and those the model agreed with.
    public var draftedTokens: Int
    public var acceptedTokens: Int

    public init(generatedTokens: Int, generationSeconds: Double, contextUsed: Int, contextWindow: Int,
                draftedTokens: Int = 0, acceptedTokens: Int = 0) {
        self.generatedTokens = generatedTokens
        self.generationSeconds = generationSeconds
        self.contextUsed = contextUsed
        self.contextWindow = contextWindow
        self.draftedTokens = draftedTokens
        self.acceptedTokens = acceptedTokens
    }

    public var tokensPerSecond: Double? {
        generatedTokens > 1 && generationSeconds > 0 ? Double(generatedTokens - 1) / generationSeconds : nil
    }
}

/// The stream of one answer, as every front end receives it: progress while the prompt is read,
/// then the reply as text deltas with progress, then exactly one `finished`.
public enum ChatEvent: Sendable, Equatable {
    case promptProgress(done: Int, total: Int)
    /// The reply's metadata line (a tool name, `interpreter`), once it is complete.
    case metadata(String)
    /// New content of the reply (the metadata line is never part of it).
    case text(String)
    case progress(GenerationProgress)
    /// The window was full: old turns left the model's view (they stay in the session).
    case contextSlid(SlideReport)
    case finished(FinishReason, GenerationStats)
}
