import Foundation

/// What a request asks of the engine beyond the prompt.
public struct GenerationRequest: Sendable {
    public var prompt: [Int32]
    public var sampling: SamplingParameters
    public var maxTokens: Int
    /// Token ids that end the answer (not shown). Empty with `ignoreStopTokens` semantics.
    public var stopTokens: Set<Int32>
    /// Keep the logit row of every step in the events (for `generate --dump-logits`).
    public var keepLogits: Bool

    public init(prompt: [Int32], sampling: SamplingParameters, maxTokens: Int, stopTokens: Set<Int32>,
                keepLogits: Bool = false) {
        self.prompt = prompt
        self.sampling = sampling
        self.maxTokens = maxTokens
        self.stopTokens = stopTokens
        self.keepLogits = keepLogits
    }
}

public enum FinishReason: Sendable, Equatable {
    case stopToken(Int32)
    case maxTokens
    case cancelled
    case contextFull
}

/// Timings and counts of one request.
public struct GenerationStats: Sendable, Equatable {
    public var promptTokens = 0
    /// Prompt tokens already in the cache from earlier requests (not read again).
    public var reusedTokens = 0
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

/// The stream of one request: progress while the prompt is read, then tokens, then exactly one `finished`.
public enum GenerationEvent: Sendable {
    case promptProgress(done: Int, total: Int)
    /// A sampled token and the text it completes (empty while a UTF-8 character is still partial).
    case token(id: Int32, text: String, logits: [Float]?)
    /// Text not tied to a new token: what the detokenizer still held when the answer ended.
    case text(String)
    case finished(FinishReason, GenerationStats)
}
