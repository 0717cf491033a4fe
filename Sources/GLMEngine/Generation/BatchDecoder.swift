import Foundation

/// Continuous batching: the answers being written decode together, one pass over the weights per
/// step for all of them; a new prompt is read a chunk at a time in the same passes. Each answer has a
/// KV cache of its own, and `maxSequences` and a KV memory budget bound how many run at once. Every row
/// is computed as a lone row, so each answer equals the one it would get alone.
/// Finished answers' caches stay in a `PrefixPool`, so a request that starts as an earlier one did
/// reads only what follows; an answer that fills the window slides exactly, as the engine's does.
/// With speculation an answer's step carries its drafts, decided as the engine decides them, within
/// the rows one speculating answer would use. It owns the model while it lives.
public final class BatchDecoder: @unchecked Sendable {
    public let model: GLMModel
    public let tokenizer: Tokenizer
    public let contextWindow: Int
    public let maxSequences: Int
    /// The KV memory the running answers may reserve (each reserves its prompt plus its token limit, up to the window).
    public let memoryBudgetBytes: Int
    private let precision: KVPrecision
    /// Prompt tokens read in one pass when no answer is decoding, and when some are: every pass of
    /// prompt rows delays their next token, and on cores where batches are bound by arithmetic a row
    /// costs about the same in a pass of 16 as of 64 (docs/PERFORMANCE.md, "Prompts beside answers").
    private let promptChunk: Int
    private let promptChunkWhileDecoding: Int
    /// What a request that names none speculates with.
    public let speculation: Speculation
    /// Rows of the next exact slide's kept part each answer reads with its token as its window nears
    /// full (`CachedSequence.readAheadRowsPerToken`; 0: the slide reads the kept tail, a pause). The
    /// read-ahead's cache is reserved from the KV budget when it starts, and refused, the slide pauses.
    public let readAheadRows: Int
    /// Passes so far: which answer is offered drafts first turns with it.
    private var passes = 0
    private let condition = NSCondition()
    private var inbox: [BatchJob] = []
    private var thread: Thread?
    private var prefixes: PrefixPool

    public init(model: GLMModel, tokenizer: Tokenizer, contextWindow: Int, maxSequences: Int, memoryBudgetBytes: Int,
                promptChunk: Int = 64, promptChunkWhileDecoding: Int = 16, speculation: Speculation = .off,
                readAheadRows: Int = CachedSequence.defaultReadAheadRows) {
        self.model = model
        self.tokenizer = tokenizer
        self.contextWindow = max(2, min(contextWindow, model.config.contextLength))
        self.maxSequences = max(1, min(maxSequences, model.maxBatch))
        self.memoryBudgetBytes = memoryBudgetBytes
        precision = model.cachePrecision
        self.promptChunk = max(1, min(promptChunk, model.maxBatch))
        self.promptChunkWhileDecoding = max(1, min(promptChunkWhileDecoding, self.promptChunk))
        self.speculation = speculation
        self.readAheadRows = max(0, readAheadRows)
        prefixes = PrefixPool(bytesPerPosition: KVCache.bytes(config: model.config, positions: 1, precision: precision))
    }

    /// KV bytes of one cached position.
    public var bytesPerPosition: Int {
        KVCache.bytes(config: model.config, positions: 1, precision: precision)
    }

    /// Requests at work and waiting.
    public var counts: (running: Int, waiting: Int) {
        condition.withLock { (runningCount, inbox.count) }
    }
    private var runningCount = 0
    private var reservedBytes = 0
    private var peakReservedBytes = 0

    /// KV memory reserved by the running answers and held by kept prefixes now, and the most it has been.
    public var kvReservedBytes: (now: Int, peak: Int) {
        condition.withLock { (reservedBytes + prefixes.bytes, peakReservedBytes) }
    }

    /// KV memory held by finished answers kept for requests that start the same way.
    public var prefixCacheBytes: Int {
        condition.withLock { prefixes.bytes }
    }

    /// Answers `request` among the others, handing its events to `onEvent` on the decoder's thread.
    /// Cancelling the calling task ends it (`cancelled`) before its next token.
    public func run(_ request: GenerationRequest,
                    onEvent: @escaping @Sendable (GenerationEvent) -> Void) async throws -> (FinishReason, GenerationStats) {
        try request.sampling.validate()
        let (prompt, layout) = try fitted(request)
        let positions = reservation(promptTokens: prompt.count, maxTokens: request.maxTokens)
        guard positions <= budgetPositions else {
            throw GLMError(.badValue, "this answer needs \(positions * bytesPerPosition / 1_048_576) MB of KV cache; the budget is \(memoryBudgetBytes / 1_048_576) MB")
        }
        let flag = CancellationFlag()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let job = BatchJob(request: request, prompt: prompt, layout: layout, reservedPositions: positions, flag: flag,
                                   tokenizer: tokenizer, window: contextWindow,
                                   speculation: request.speculation ?? speculation,
                                   onEvent: onEvent, continuation: continuation)
                condition.withLock {
                    inbox.append(job)
                    if thread == nil {
                        let worker = Thread { [self] in loop() }
                        worker.name = "glmchat.batch"
                        worker.stackSize = 4 << 20
                        thread = worker
                        worker.start()
                    }
                    condition.signal()
                }
            }
        } onCancel: {
            flag.raise()
            condition.withLock { condition.signal() }
        }
    }

    /// The default KV budget for `answers` answering together in a window of `window`: a full window
    /// each, and the most that reading the next slide's kept part ahead adds (half a window).
    public static func defaultBudgetBytes(answers: Int, window: Int, bytesPerPosition: Int) -> Int {
        let keptPart = window - CachedSequence.freeAfterSlide(window: window, keepPrefix: 0, slack: nil)
        return answers * (window + keptPart) * bytesPerPosition
    }

    /// Share of usable memory that weights and KV budgets may take: the rest is the system's, the
    /// scratch buffers' and the server's own.
    public static let memoryShare = 0.9

    /// The bytes weights and KV budgets may take out of `memoryBytes` of usable memory.
    public static func memoryCeiling(_ memoryBytes: Int) -> Int { Int(Double(memoryBytes) * memoryShare) }

    /// `wanted` KV bytes, capped so that they and `committedBytes` (weights, and other models' budgets)
    /// stay within `memoryCeiling(memoryBytes)`, but not below `floor` (one answer's full window).
    public static func budget(_ wanted: Int, fitting memoryBytes: Int, besides committedBytes: Int, floor: Int) -> Int {
        let room = memoryCeiling(memoryBytes) - committedBytes
        return max(min(wanted, room), min(wanted, floor))
    }

    /// The KV positions an answer reserves: its prompt as read and what it may generate, at most the window.
    private func reservation(promptTokens: Int, maxTokens: Int) -> Int {
        min(contextWindow, promptTokens + max(1, maxTokens))
    }

    /// The positions `request` would reserve, so a server can refuse it before it starts (throws as
    /// `run` does for a prompt that cannot be read).
    public func reservedPositions(_ request: GenerationRequest) throws -> (prompt: Int, total: Int) {
        let prompt = try fitted(request).tokens
        return (prompt.count, reservation(promptTokens: prompt.count, maxTokens: request.maxTokens))
    }

    /// The most KV positions the budget lets one answer reserve.
    public var budgetPositions: Int { memoryBudgetBytes / bytesPerPosition }

    /// The prompt as it will be read, with its layout: whole, or (a conversation that may slide) with
    /// its oldest turns cut.
    private func fitted(_ request: GenerationRequest) throws -> (tokens: [Int32], layout: PromptLayout) {
        let prompt = request.prompt
        guard !prompt.isEmpty else { throw GLMError(.badValue, "the prompt is empty") }
        guard prompt.count >= contextWindow else { return (prompt, request.layout) }
        guard request.promptMaySlide else {
            throw GLMError(.contextOverflow, "the prompt has \(prompt.count) tokens; the window holds \(contextWindow)")
        }
        let free = CachedSequence.freeAfterSlide(window: contextWindow, keepPrefix: request.layout.keepPrefix, slack: nil)
        guard let plan = ContextWindow.plan(prompt, layout: request.layout, window: contextWindow, free: free) else {
            throw GLMError(.contextOverflow, "the prompt's fixed prefix does not fit the window of \(contextWindow)")
        }
        return (plan.kept, plan.layout)
    }

    // MARK: The decoder's thread

    /// One pass over the weights: a chunk of `reader`'s prompt (the oldest still reading; smaller while
    /// answers decode, so their next token is not held up long), then the next token of each of
    /// `stepping`, with its drafts while the pass has room for them. The chunk's rows come first, so the
    /// logits wanted (its last row when it ends the prompt, and every stepping row) are the batch's last rows.
    private func step(_ stepping: [BatchJob], reading reader: BatchJob?, logits: inout [Float]) {
        // Drafts join while the pass has fewer rows than one speculating answer uses alone (its token
        // and its drafts): where a batch is bound by arithmetic every row costs about a prompt token, so
        // more would slow every answer in the pass for guesses that may miss (so among other answers, or
        // beside a prompt's rows, an answer drafts warily: `BatchJob.draft`). The answer offered them
        // first changes with every pass.
        var steppingRows = stepping.count
        let rowsWithDrafts = min(model.maxBatch, 1 + (stepping.map(\.maxDrafts).max() ?? 0))
        passes += 1
        for offset in stepping.indices where steppingRows < rowsWithDrafts {
            let job = stepping[(offset + passes) % stepping.count]
            steppingRows += job.draft(limit: rowsWithDrafts - steppingRows, model: model,
                                      amongOthers: stepping.count > 1 || reader != nil)
        }
        // The next slides' kept parts come first (their rows want no logits).
        var aheadParts: [(tokens: ArraySlice<Int32>, cache: KVCache)] = []
        var aheadRows = 0
        for job in stepping where readAheadRows > 0 {
            guard let part = job.readAheadPart(perToken: readAheadRows, room: model.maxBatch - steppingRows - aheadRows,
                                               window: contextWindow, model: model, grant: grantReadAhead) else { continue }
            aheadParts.append(part)
            aheadRows += part.tokens.count
        }
        var parts = stepping.map { (tokens: $0.stepTokens, cache: $0.cacheForStep) }
        var chunk: ArraySlice<Int32> = []
        if let reader {
            let limit = min(stepping.isEmpty ? promptChunk : promptChunkWhileDecoding,
                            model.maxBatch - steppingRows - aheadRows)
            chunk = reader.unreadPrompt(limit: limit)
            if !chunk.isEmpty { parts.insert((chunk, reader.cache(model: model, precision: precision)), at: 0) }
        }
        parts.insert(contentsOf: aheadParts, at: 0)
        guard !parts.isEmpty else { return }
        let endsPrompt = !chunk.isEmpty && chunk.count == reader?.unreadCount
        let first = endsPrompt ? 1 : 0
        model.forward(parts, logitsOfLast: steppingRows + first, into: &logits)
        let vocab = model.config.vocabRows
        for job in stepping { job.readAheadFed() }
        if let reader, !chunk.isEmpty { reader.read(chunk.count, lastLogits: endsPrompt ? logits[0..<vocab] : nil) }
        var row = first
        for job in stepping {
            let count = 1 + job.pendingDrafts.count
            job.takeLogits(logits[(row * vocab)..<((row + count) * vocab)], vocab: vocab)
            row += count
        }
    }

    /// Reserves `positions` of the KV budget for an answer's read-ahead, dropping kept prefixes to
    /// make room; false when the running answers leave too little.
    private func grantReadAhead(_ positions: Int) -> Bool {
        condition.withLock {
            let bytes = positions * bytesPerPosition
            guard reservedBytes + bytes <= memoryBudgetBytes else { return false }
            reservedBytes += bytes
            prefixes.evict(toFit: memoryBudgetBytes - reservedBytes)
            peakReservedBytes = max(peakReservedBytes, reservedBytes + prefixes.bytes)
            return true
        }
    }

    /// What `jobs` reserve: their caches, and their read-ahead caches while they have one.
    private func reservation(of jobs: [BatchJob]) -> Int {
        jobs.reduce(0) { $0 + $1.reservedPositions + $1.readAheadPositions } * bytesPerPosition
    }

    private func loop() {
        var active: [BatchJob] = []
        var logits: [Float] = []
        while true {
            condition.lock()
            while inbox.isEmpty && active.isEmpty { condition.wait() }
            // A waiting request whose caller left ends at once.
            let abandoned = inbox.filter { $0.flag.isRaised }
            inbox.removeAll { $0.flag.isRaised }
            // Admit in order while there is room; a job that does not fit waits (and keeps the later ones
            // waiting). Kept prefixes never hold one back: it takes what it shares with them, then the
            // least recently used go until everything fits the budget.
            while let next = inbox.first, active.count < maxSequences,
                  active.isEmpty || reservedBytes + next.reservedPositions * bytesPerPosition <= memoryBudgetBytes {
                inbox.removeFirst()
                if let shared = prefixes.bestMatch(for: next.prompt) {
                    next.adoptPrefix(shared.count, from: shared.cache, model: model, precision: precision)
                }
                active.append(next)
                reservedBytes += next.reservedPositions * bytesPerPosition
                prefixes.evict(toFit: memoryBudgetBytes - reservedBytes)
                peakReservedBytes = max(peakReservedBytes, reservedBytes + prefixes.bytes)
            }
            runningCount = active.count
            condition.unlock()
            for job in abandoned { job.abandon() }

            var stepping: [BatchJob] = []
            for job in active where !job.isReadingPrompt || job.flag.isRaised {
                if job.chooseNext(window: contextWindow) { stepping.append(job) }
            }
            // An answer reading the rest of a slide's kept tail goes before new prompts: its user is mid-stream.
            let readers = active.filter { $0.isReadingPrompt && !$0.isFinished && !$0.flag.isRaised }
            step(stepping, reading: readers.first(where: \.isMidAnswer) ?? readers.first, logits: &logits)
            let finished = active.filter(\.isFinished)
            active.removeAll(where: \.isFinished)
            condition.withLock {
                // Slides and endings hand back read-ahead caches.
                reservedBytes = reservation(of: active)
                // Each holds at most its reservation, so keeping them stays within the budget.
                for job in finished {
                    if let kept = job.cachedTokens { prefixes.keep(tokens: kept.tokens, cache: kept.cache) }
                }
                runningCount = active.count
            }
            for job in finished { job.complete() }
        }
    }
}
