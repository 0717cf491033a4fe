import Foundation

/// The answer as it is written: its tokens after the prompt, its text, its stats and the engine's
/// clock between tokens. Both decoding loops hand it every token they keep, in order.
struct AnswerEmitter {
    /// The prompt, then every token emitted (what the repetition penalty and the drafts look at).
    private(set) var history: [Int32]
    var detokenizer: StreamingDetokenizer
    var stats = GenerationStats()
    let window: Int
    let generationStart = DispatchTime.now().uptimeNanoseconds
    private var firstTokenTime: UInt64?
    private var lastTokenTime: UInt64?

    init(tokenizer: Tokenizer, prompt: [Int32], window: Int) {
        history = prompt
        detokenizer = StreamingDetokenizer(tokenizer: tokenizer)
        self.window = window
    }

    /// Counts and streams one token; `contextUsed` is what the cache held before it.
    mutating func emit(_ id: Int32, logits: [Float]?, context: [Int32]?, contextUsed: Int,
                       emit send: (GenerationEvent) -> Void) {
        stats.generatedTokens += 1
        let now = DispatchTime.now().uptimeNanoseconds
        if let previous = lastTokenTime {
            stats.longestTokenGapSeconds = max(stats.longestTokenGapSeconds, Double(now - previous) / 1e9)
        }
        lastTokenTime = now
        firstTokenTime = firstTokenTime ?? now
        history.append(id)
        // the rate between tokens: the first one comes straight from the prompt's logits
        let sinceFirst = Double(now - (firstTokenTime ?? now)) / 1e9
        let progress = GenerationProgress(generatedTokens: stats.generatedTokens, generationSeconds: sinceFirst,
                                          contextUsed: contextUsed, contextWindow: window,
                                          draftedTokens: stats.draftedTokens, acceptedTokens: stats.acceptedTokens)
        send(.token(GeneratedToken(id: id, text: detokenizer.append(id), logits: logits, context: context,
                                   progress: progress)))
    }
}
