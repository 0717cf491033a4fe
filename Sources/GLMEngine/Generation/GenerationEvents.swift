import Foundation

/// What a request asks of the engine beyond the prompt.
public struct GenerationRequest: Sendable {
    public var prompt: [Int32]
    public var sampling: SamplingSettings
    /// The seed every draw of this answer comes from.
    public var seed: UInt64
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
    /// Drafts checked in one pass with each generated token (nil: the engine's setting); never
    /// changes the answer, only its speed.
    public var speculation: Speculation?

    public init(prompt: [Int32], sampling: SamplingSettings, seed: UInt64 = 0, maxTokens: Int, stopTokens: Set<Int32>,
                layout: PromptLayout = .plain, promptMaySlide: Bool = false, keepLogits: Bool = false,
                keepContexts: Bool = false, speculation: Speculation? = nil) {
        self.speculation = speculation
        self.prompt = prompt
        self.sampling = sampling
        self.seed = seed
        self.maxTokens = maxTokens
        self.stopTokens = stopTokens
        self.layout = layout
        self.promptMaySlide = promptMaySlide
        self.keepLogits = keepLogits
        self.keepContexts = keepContexts
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
    /// Tokens so far, the engine's time since the first, and the window in use.
    public let progress: GenerationProgress
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
