import Foundation

/// One answer in a `BatchDecoder`: its prompt (read a chunk at a time), its cache, sampler and stats.
/// When the window fills mid-answer it slides: old turns go and the kept tail is read again, a chunk at
/// a time as a prompt is, before the answer goes on. With speculation its step may carry drafts, decided
/// as the engine decides them (`CachedSequence.speculate`). Touched only by the decoder's thread,
/// except the flag.
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
    /// The prompt and the tokens emitted, the text and the stats.
    private var answer: AnswerEmitter
    private var reason: FinishReason?
    private(set) var pendingToken: Int32 = 0
    /// Guesses of what follows, checked in the step with the pending token (nil: no speculation).
    private var drafter: (any DraftSource)?
    private var budget: DraftBudget
    /// The drafts the coming step carries after the pending token.
    private(set) var pendingDrafts: [Int32] = []
    /// The model's own token where it rejected a draft: the next token, already drawn.
    private var drawn: Int32?
    /// The next slide's kept part, read a row or so with each step as the window nears full, so that the
    /// slide need not pause the answer (`SlideReadAhead`); its cache counts against the KV budget.
    private var readAhead: SlideReadAhead?
    /// The rows of it the coming step carries.
    private var readAheadRows: ArraySlice<Int32> = []
    private let queuedAt = DispatchTime.now().uptimeNanoseconds
    private var generationStart: UInt64 = 0

    init(request: GenerationRequest, prompt: [Int32], layout: PromptLayout, reservedPositions: Int, flag: CancellationFlag,
         tokenizer: Tokenizer, window: Int, speculation: Speculation,
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
        sampler = Sampler(parameters: request.sampling, seed: request.seed, allowedVocabulary: tokenizer.realVocabSize)
        answer = AnswerEmitter(tokenizer: tokenizer, prompt: prompt, window: window)
        answer.stats.promptTokens = prompt.count
        drafter = speculation.maxDrafts > 0 ? speculation.makeSource(prompt: prompt, earlier: []) : nil
        budget = DraftBudget(maxDrafts: speculation.maxDrafts)
    }

    /// Reading the prompt, or after a slide the kept tail, before the next token.
    var isReadingPrompt: Bool { promptRead < sequence.count }
    /// Has streamed tokens (so a read now is a slide's, in the middle of the answer).
    var isMidAnswer: Bool { generationStart > 0 }

    /// Starts the cache with the first `count` positions of `source`, whose tokens begin as this
    /// prompt does, so reading starts after them.
    func adoptPrefix(_ count: Int, from source: KVCache, model: GLMModel, precision: KVPrecision) {
        guard cache == nil, count > 0, count < prompt.count, count <= reservedPositions else { return }
        cache(model: model, precision: precision).copyPrefix(count, from: source)
        promptRead = count
        answer.stats.reusedTokens = count
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
            answer.stats.promptSeconds = Double(DispatchTime.now().uptimeNanoseconds - queuedAt) / 1e9
            generationStart = DispatchTime.now().uptimeNanoseconds
        }
    }

    /// Samples the next token from the last logits (or takes the one a rejected draft left) and emits
    /// it; true when it must be fed (the answer goes on), false when the answer has ended (stop id, token
    /// limit, cancelled) or when the window was full and a slide's kept tail, ending with the token,
    /// must be read first.
    func chooseNext(window: Int) -> Bool {
        if flag.isRaised { return end(.cancelled) }
        let next = drawn ?? sampler.next(logits: logits, history: answer.history)
        drawn = nil
        pendingDrafts = []
        if request.stopTokens.contains(next) { return end(.stopToken(next)) }
        emit(next, at: cache?.count ?? 0)
        if answer.stats.generatedTokens >= request.maxTokens { return end(.maxTokens) }
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

    /// Streams `token`, which goes to position `position` of the cache.
    private func emit(_ token: Int32, at position: Int) {
        answer.emit(token, logits: nil, context: nil, contextUsed: position, emit: onEvent)
    }

    /// Guesses up to `limit` tokens to follow the pending one, as many as fit the cache and the token
    /// limit and keep every row exact (`GLMModel.exactDraftRoom`); the step then carries them. Among
    /// other answers a draft row costs what another answer's row does where batches are bound by
    /// arithmetic, so there, and over a long cache as in the engine, drafts are wary (`DraftBudget`).
    /// Returns how many.
    func draft(limit: Int, model: GLMModel, amongOthers: Bool) -> Int {
        guard var source = drafter, let cache else { return 0 }
        let allowed = budget.allowed(wary: amongOthers || cache.count >= DraftBudget.waryDepth)
        let wanted = min(limit, allowed, request.maxTokens - answer.stats.generatedTokens - 1,
                         cache.maxPositions - cache.count - 1)
        let room = model.exactDraftRoom(wanted: wanted)
        guard room > 0 else { return 0 }
        pendingDrafts = Array(source.propose(after: answer.history, limit: room).prefix(room))
        drafter = source
        return pendingDrafts.count
    }

    /// The most drafts a step of this answer carries (0 without speculation).
    var maxDrafts: Int { drafter == nil ? 0 : budget.maxDrafts }

    /// The step's rows: the pending token and its drafts.
    var stepTokens: ArraySlice<Int32> { ArraySlice([pendingToken] + pendingDrafts) }

    /// KV positions the read-ahead's cache reserves (0 without one).
    var readAheadPositions: Int { readAhead?.cache.maxPositions ?? 0 }

    /// The rows of the next slide's kept part that this step carries (`perToken` a token, at most `room`),
    /// with their cache, or nil. Only an answer that will fill the window reads ahead, from when its
    /// ledger reaches the kept tail's start; `grant` asks the decoder for the positions a new read-ahead
    /// cache reserves, and refused, the slide reads the kept tail when it comes.
    func readAheadPart(perToken: Int, room: Int, window: Int, model: GLMModel,
                       grant: (Int) -> Bool) -> (tokens: ArraySlice<Int32>, cache: KVCache)? {
        readAheadRows = []
        guard perToken > 0, room > 0, let cache, cache.maxPositions >= window,
              request.maxTokens - answer.stats.generatedTokens > window - cache.count,
              let target = SlideReadAhead.nextSlide(ledgerCount: cache.count, layout: layout, window: window, slack: nil)
        else { return nil }
        let ahead: SlideReadAhead
        if let existing = readAhead {
            ahead = existing
            ahead.aim(at: target, ledger: sequence)
        } else {
            // The kept part is at most the window less what the slide frees.
            let free = CachedSequence.freeAfterSlide(window: window, keepPrefix: target.keepPrefix, slack: nil)
            guard cache.count + 1 >= target.tailStart, grant(window - free) else { return nil }
            let keptPart = KVCache(config: model.config, maxPositions: window - free, precision: cache.precision)
            ahead = SlideReadAhead(cache: keptPart, keepPrefix: target.keepPrefix, tailStart: target.tailStart)
            readAhead = ahead
        }
        let count = ahead.rowsToRead(ledgerCount: cache.count, window: window, perToken: perToken,
                                     tokensInPass: 1 + pendingDrafts.count, room: min(room, ahead.cache.maxPositions - ahead.count))
        guard count > 0 else { return nil }
        readAheadRows = ahead.nextRows(count, ledger: sequence, pending: pendingToken)
        return (readAheadRows, ahead.cache)
    }

    /// Records the read-ahead rows the step just fed.
    func readAheadFed() {
        readAhead?.fed(readAheadRows)
        readAheadRows = []
    }

    /// The engine's exact slide: the oldest turns after the fixed prefix go, and the kept tail (with
    /// `token` last) is read again at its new positions, so the cache becomes what a fresh read of
    /// the kept tokens gives; what the read-ahead holds of it is copied in, not read. False when
    /// nothing can go.
    private func slide(feeding token: Int32, in cache: KVCache, window: Int) -> Bool {
        let free = CachedSequence.freeAfterSlide(window: window, keepPrefix: layout.keepPrefix, slack: nil)
        guard let plan = ContextWindow.plan(sequence + [token], layout: layout, window: window, free: free),
              plan.droppedTokens > 0 else { return false }
        var report = plan.report
        cache.truncate(to: plan.layout.keepPrefix)
        if let ahead = readAhead {
            // The token itself is read at the slide, for its logits.
            let adopted = min(ahead.count, plan.kept.count - 1)
            if adopted > plan.layout.keepPrefix, ahead.tokens.prefix(adopted).elementsEqual(plan.kept.prefix(adopted)) {
                cache.copyPrefix(adopted, from: ahead.cache)
                report.readAheadTokens = adopted
                report.rereadTokens = plan.kept.count - adopted
            }
            readAhead = nil
        }
        sequence = plan.kept
        layout = plan.layout
        promptRead = cache.count
        answer.stats.slides += 1
        answer.stats.rereadTokens += report.rereadTokens
        answer.stats.readAheadTokens += report.readAheadTokens
        onEvent(.contextSlid(report))
        return true
    }

    /// Takes the step's logits, one row per step token (`rows.count / vocab` of them). With drafts,
    /// each is decided against the row before it as the engine decides (`CachedSequence.speculate`):
    /// kept while the model agrees; at the first disagreement the model's token replaces it and the cache
    /// is cut back to the pending token and the drafts kept.
    func takeLogits(_ rows: ArraySlice<Float>, vocab: Int) {
        func row(_ i: Int) -> ArraySlice<Float> { rows[(rows.startIndex + i * vocab)..<(rows.startIndex + (i + 1) * vocab)] }
        let drafts = pendingDrafts
        pendingDrafts = []
        guard !drafts.isEmpty, let cache else {
            logits = Array(row(0))
            return
        }
        var seen = answer.history
        var accepted: [Int32] = []
        var stop: Int32?
        for (index, draft) in drafts.enumerated() {
            let (decided, agreed) = sampler.verify(draft: draft, logits: row(index), history: seen)
            guard agreed else {
                drawn = decided
                break
            }
            if request.stopTokens.contains(decided) {
                stop = decided
                break
            }
            accepted.append(decided)
            seen.append(decided)
        }
        cache.truncate(to: cache.count - drafts.count + accepted.count)
        answer.stats.draftedTokens += drafts.count
        answer.stats.acceptedTokens += accepted.count + (stop == nil ? 0 : 1)
        answer.stats.verifyPasses += 1
        budget.record(drafted: drafts.count, accepted: accepted.count)
        for (index, token) in accepted.enumerated() {
            sequence.append(token)
            promptRead = sequence.count
            emit(token, at: cache.count - accepted.count + index)
        }
        if let stop {
            _ = end(.stopToken(stop))
        } else if drawn == nil {
            logits = Array(row(accepted.count))
        }
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
        let tail = answer.detokenizer.finish()
        if !tail.isEmpty { onEvent(.text(tail)) }
        var stats = answer.stats
        if generationStart > 0 { stats.generationSeconds = Double(DispatchTime.now().uptimeNanoseconds - generationStart) / 1e9 }
        stats.contextUsed = cache?.count ?? 0
        stats.contextWindow = cache?.maxPositions ?? 0
        onEvent(.finished(why, stats))
        continuation.resume(returning: (why, stats))
    }
}
