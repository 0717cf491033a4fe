import Foundation

/// One answer in a `BatchDecoder`: its prompt (read a chunk at a time), its cache, sampler and stats.
/// When the window fills mid-answer it slides: old turns go and the kept tail is read again, a chunk at
/// a time as a prompt is, before the answer goes on. Touched only by the decoder's thread, except the flag.
final class BatchJob: @unchecked Sendable {
    let request: GenerationRequest
    let prompt: [Int32]
    let reservedPositions: Int
    let flag: CancellationFlag
    private let onEvent: @Sendable (GenerationEvent) -> Void
    private let continuation: CheckedContinuation<(FinishReason, GenerationStats), Error>
    private var cache: KVCache?
    /// The tokens the cache holds or is about to (the prompt, the answer so far, and after a slide the
    /// kept part), where turns begin in them, and how many are in the cache.
    private var sequence: [Int32]
    private var layout: PromptLayout
    private var promptRead = 0
    private var logits: [Float] = []
    private var sampler: Sampler
    private var detokenizer: StreamingDetokenizer?
    private var history: [Int32]
    private var stats = GenerationStats()
    private var reason: FinishReason?
    private(set) var pendingToken: Int32 = 0
    private let queuedAt = DispatchTime.now().uptimeNanoseconds
    private var generationStart: UInt64 = 0
    private var firstTokenTime: UInt64?
    private var lastTokenTime: UInt64?

    init(request: GenerationRequest, prompt: [Int32], layout: PromptLayout, reservedPositions: Int, flag: CancellationFlag,
         vocabulary: Int,
         onEvent: @escaping @Sendable (GenerationEvent) -> Void,
         continuation: CheckedContinuation<(FinishReason, GenerationStats), Error>) {
        self.request = request
        self.prompt = prompt
        sequence = prompt
        self.layout = layout
        self.reservedPositions = reservedPositions
        self.flag = flag
        self.onEvent = onEvent
        self.continuation = continuation
        history = prompt
        sampler = Sampler(parameters: request.sampling, seed: request.seed, allowedVocabulary: vocabulary)
        stats.promptTokens = prompt.count
    }

    /// Reading the prompt, or after a slide the kept tail, before the next token.
    var isReadingPrompt: Bool { promptRead < sequence.count }

    /// Starts the cache with the first `count` positions of `source`, whose tokens begin as this
    /// prompt does, so reading starts after them.
    func adoptPrefix(_ count: Int, from source: KVCache, model: GLMModel, precision: KVPrecision) {
        guard cache == nil, count > 0, count < prompt.count, count <= reservedPositions else { return }
        cache(model: model, precision: precision).copyPrefix(count, from: source)
        promptRead = count
        stats.reusedTokens = count
    }

    /// The ids whose keys and values the cache holds, with the cache (nil before any was read).
    var cachedTokens: (tokens: [Int32], cache: KVCache)? {
        guard let cache, cache.count > 0, cache.count <= sequence.count else { return nil }
        return (Array(sequence.prefix(cache.count)), cache)
    }
    var isFinished: Bool { reason != nil }
    var cacheForStep: KVCache { cache! }

    /// The cache, made on first use; never more than the reservation: the budget bounds the memory,
    /// not only the count.
    func cache(model: GLMModel, precision: KVPrecision) -> KVCache {
        if let cache { return cache }
        let cache = KVCache(config: model.config, maxPositions: reservedPositions, precision: precision)
        self.cache = cache
        return cache
    }

    /// The next rows of the prompt (or of a slide's kept tail) to read, at most `limit`.
    func unreadPrompt(limit: Int) -> ArraySlice<Int32> {
        sequence[promptRead..<(promptRead + min(max(0, limit), unreadCount))]
    }

    /// Rows of the prompt (or of a slide's kept tail) still to read.
    var unreadCount: Int { sequence.count - promptRead }

    /// Counts `count` more rows read by a pass; `lastLogits` is the last one's, given when they end the
    /// prompt (or the kept tail): the next token is chosen from it.
    func read(_ count: Int, lastLogits: ArraySlice<Float>?) {
        promptRead = min(sequence.count, promptRead + count)
        onEvent(.promptProgress(done: promptRead, total: sequence.count))
        guard promptRead == sequence.count, let lastLogits else { return }
        logits = Array(lastLogits)
        if generationStart == 0 {
            stats.promptSeconds = Double(DispatchTime.now().uptimeNanoseconds - queuedAt) / 1e9
            generationStart = DispatchTime.now().uptimeNanoseconds
        }
    }

    /// Samples the next token from the last logits and emits it; true when it must be fed (the answer
    /// goes on), false when the answer has ended (stop id, token limit, cancelled) or when the window
    /// was full and a slide's kept tail, ending with the token, must be read first.
    func chooseNext(tokenizer: Tokenizer, window: Int) -> Bool {
        if flag.isRaised { return end(.cancelled) }
        let next = sampler.next(logits: logits, history: history)
        if request.stopTokens.contains(next) { return end(.stopToken(next)) }
        stats.generatedTokens += 1
        history.append(next)
        let now = DispatchTime.now().uptimeNanoseconds
        if let previous = lastTokenTime {
            stats.longestTokenGapSeconds = max(stats.longestTokenGapSeconds, Double(now - previous) / 1e9)
        }
        lastTokenTime = now
        firstTokenTime = firstTokenTime ?? now
        let used = (cache?.count ?? 0) + 1
        let progress = GenerationProgress(generatedTokens: stats.generatedTokens,
                                          generationSeconds: Double(now - (firstTokenTime ?? now)) / 1e9,
                                          contextUsed: used, contextWindow: window)
        var detokenizer = self.detokenizer ?? StreamingDetokenizer(tokenizer: tokenizer)
        let text = detokenizer.append(next)
        self.detokenizer = detokenizer
        onEvent(.token(GeneratedToken(id: next, text: text, logits: nil, context: nil, progress: progress)))
        if stats.generatedTokens >= request.maxTokens { return end(.maxTokens) }
        if let cache, cache.count >= cache.maxPositions {
            // A reservation short of the window ends with the token limit (above), never here.
            if cache.maxPositions < window || !slide(feeding: next, in: cache, window: window) { return end(.maxTokens) }
            return false
        }
        pendingToken = next
        sequence.append(next)
        promptRead = sequence.count
        return true
    }

    /// The engine's exact slide: the oldest turns after the fixed prefix go, and the kept tail (with
    /// `token` last) is read again at its new positions, so the cache becomes what a fresh read of
    /// the kept tokens gives. False when nothing can go.
    private func slide(feeding token: Int32, in cache: KVCache, window: Int) -> Bool {
        let free = CachedSequence.freeAfterSlide(window: window, keepPrefix: layout.keepPrefix, slack: nil)
        guard let plan = ContextWindow.plan(sequence + [token], layout: layout, window: window, free: free),
              plan.droppedTokens > 0 else { return false }
        cache.truncate(to: plan.layout.keepPrefix)
        sequence = plan.kept
        layout = plan.layout
        promptRead = plan.layout.keepPrefix
        let report = plan.report
        stats.slides += 1
        stats.rereadTokens += report.rereadTokens
        onEvent(.contextSlid(report))
        return true
    }

    func takeLogits(_ row: ArraySlice<Float>) {
        logits = Array(row)
    }

    private func end(_ why: FinishReason) -> Bool {
        reason = why
        return false
    }

    /// Ends a request that never started (its caller left while it waited).
    func abandon() {
        reason = .cancelled
        complete()
    }

    /// Sends the last text and `finished`, and resumes the waiting caller.
    func complete() {
        let why = reason ?? .cancelled
        if var detokenizer {
            let tail = detokenizer.finish()
            if !tail.isEmpty { onEvent(.text(tail)) }
        }
        if generationStart > 0 { stats.generationSeconds = Double(DispatchTime.now().uptimeNanoseconds - generationStart) / 1e9 }
        stats.contextUsed = cache?.count ?? 0
        stats.contextWindow = cache?.maxPositions ?? 0
        onEvent(.finished(why, stats))
        continuation.resume(returning: (why, stats))
    }
}
