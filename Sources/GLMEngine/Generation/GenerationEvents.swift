import Foundation

/// What a request asks of the engine beyond the prompt.
public struct GenerationRequest: Sendable {
    public var prompt: [Int32]
    public var sampling: SamplingParameters
    public var maxTokens: Int
    /// Token ids that end the answer (not shown). Empty with `ignoreStopTokens` semantics.
    public var stopTokens: Set<Int32>
    /// Where the prompt may be cut when it outgrows the window.
    public var layout: PromptLayout
    /// A conversation may outgrow the window (its oldest turns then slide out); a single prompt that
    /// does not fit is an error instead, so nothing the user wrote is dropped unannounced.
    public var promptMaySlide: Bool
    /// Keep the logit row of every step in the events (for `generate --dump-logits`).
    public var keepLogits: Bool
    /// Keep the cached token ids behind every step (for `generate --dump-context`).
    public var keepContexts: Bool

    public init(prompt: [Int32], sampling: SamplingParameters, maxTokens: Int, stopTokens: Set<Int32>,
                layout: PromptLayout = .plain, promptMaySlide: Bool = false, keepLogits: Bool = false,
                keepContexts: Bool = false) {
        self.prompt = prompt
        self.sampling = sampling
        self.maxTokens = maxTokens
        self.stopTokens = stopTokens
        self.layout = layout
        self.promptMaySlide = promptMaySlide
        self.keepLogits = keepLogits
        self.keepContexts = keepContexts
    }
}

public enum FinishReason: Sendable, Equatable {
    case stopToken(Int32)
    case maxTokens
    case cancelled
}

/// Timings and counts of one request.
public struct GenerationStats: Sendable, Equatable {
    public var promptTokens = 0
    /// Prompt tokens already in the cache from earlier requests (not read again).
    public var reusedTokens = 0
    /// Slides during this request, the kept tokens they read at the slide, and those read ahead
    /// alongside generated tokens before it.
    public var slides = 0
    public var rereadTokens = 0
    public var readAheadTokens = 0
    /// The longest time between two tokens of the answer (a slide that reads at once shows here).
    public var longestTokenGapSeconds = 0.0
    public var generatedTokens = 0
    public var promptSeconds = 0.0
    public var generationSeconds = 0.0
    /// Tokens in the cache when the request ended, and the window it can grow to.
    public var contextUsed = 0
    public var contextWindow = 0

    public init() {}

    public var promptTokensPerSecond: Double {
        promptSeconds > 0 ? Double(promptTokens - reusedTokens) / promptSeconds : 0
    }
    public var generationTokensPerSecond: Double {
        generationSeconds > 0 ? Double(generatedTokens) / generationSeconds : 0
    }
}

/// One sampled token.
public struct GeneratedToken: Sendable {
    public let id: Int32
    /// The text this token completes (empty while a UTF-8 character is still partial).
    public let text: String
    /// The logit row it was sampled from, when the request kept logits.
    public let logits: [Float]?
    /// The token ids in the cache when those logits were computed, when the request kept contexts.
    public let context: [Int32]?
    /// How many positions of the window are in use.
    public let contextUsed: Int
}

/// The stream of one request: progress while the prompt is read, then tokens, then exactly one `finished`.
public enum GenerationEvent: Sendable {
    case promptProgress(done: Int, total: Int)
    case token(GeneratedToken)
    /// The window was full: old turns left the model's view and the kept tail was read again.
    case contextSlid(SlideReport)
    /// Text not tied to a new token: what the detokenizer still held when the answer ended.
    case text(String)
    case finished(FinishReason, GenerationStats)
}
