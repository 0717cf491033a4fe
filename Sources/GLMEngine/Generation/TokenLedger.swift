import Foundation

/// The model plus its KV cache and the ledger of exactly which tokens the cache holds, so that a new
/// request only feeds the suffix that differs from what is cached (turns, /retry, /edit, session switches).
public final class CachedSequence: @unchecked Sendable {
    public let model: GLMModel
    public let cache: KVCache
    /// Token ids in the cache, in order; `tokens.count == cache.count` always.
    public private(set) var tokens: [Int32] = []
    /// Longest run of tokens fed in one forward pass while reading a prompt.
    public lazy var promptChunk = model.maxBatch

    public init(model: GLMModel, contextLimit: Int) {
        self.model = model
        cache = KVCache(config: model.config, maxPositions: contextLimit,
                        precision: KVPrecision.matching(model.weights.matrixType))
    }

    public var window: Int { cache.maxPositions }

    /// Cuts the cache back to the longest common prefix with `prompt`, then feeds the rest.
    /// Returns the logits after the last prompt token and how many tokens were reused.
    public func prefill(_ prompt: [Int32], progress: (Int, Int) -> Void = { _, _ in },
                        isCancelled: () -> Bool = { false }) throws -> (logits: [Float], reused: Int) {
        guard !prompt.isEmpty else { throw GLMError(.badValue, "empty prompt") }
        guard prompt.count <= window else {
            throw GLMError(.contextOverflow,
                           "the prompt has \(prompt.count) tokens but the context window holds \(window)")
        }
        var common = zip(tokens, prompt).prefix { $0 == $1 }.count
        // The last prompt token is always fed again so its logits exist.
        common = min(common, prompt.count - 1)
        truncate(to: common)
        var logits: [Float] = []
        var fed = common
        progress(fed - common, prompt.count - common)
        while fed < prompt.count {
            if isCancelled() { throw CancellationError() }
            let end = min(prompt.count, fed + promptChunk)
            let chunk = Array(prompt[fed..<end])
            logits = model.forward(chunk, cache: cache, logits: end == prompt.count ? .last : .none)
            tokens += chunk
            fed = end
            progress(fed - common, prompt.count - common)
        }
        return (logits, common)
    }

    /// Feeds one generated token and returns the logits for the next.
    public func step(_ token: Int32) throws -> [Float] {
        guard tokens.count < window else {
            throw GLMError(.contextOverflow, "the context window of \(window) tokens is full")
        }
        let logits = model.forward([token], cache: cache, logits: .last)
        tokens.append(token)
        return logits
    }

    public func truncate(to n: Int) {
        cache.truncate(to: n)
        if n < tokens.count { tokens.removeSubrange(n...) }
    }
}
