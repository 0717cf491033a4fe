import Foundation

/// Owns one loaded model, its KV cache and token ledger, and runs requests one at a time on a thread
/// of its own. Requests stream `GenerationEvent`s; ending the stream (or `cancel()`) stops generation
/// before the next token.
public actor InferenceEngine {
    private static let executor = DedicatedThreadExecutor(name: "glmchat.inference")
    public nonisolated var unownedExecutor: UnownedSerialExecutor { Self.executor.asUnownedSerialExecutor() }

    public nonisolated let tokenizer: Tokenizer
    public nonisolated let kind: ModelKind
    public nonisolated let config: ModelConfig
    public nonisolated let matrixType: StorageType
    let sequence: CachedSequence
    /// Speculative decoding for requests that do not choose.
    public nonisolated let speculation: Speculation
    /// The last answer's tokens: drafts for the next request, which may no longer hold them (/retry).
    private var previousAnswer: [Int32] = []
    /// The running request's flag, reachable without entering the actor (which is busy generating).
    private nonisolated let running = RunningRequest()

    public init(model: GLMModel, tokenizer: Tokenizer, kind: ModelKind, contextLimit: Int? = nil,
                slidePolicy: SlidePolicy = .exact, readAheadRows: Int = CachedSequence.defaultReadAheadRows,
                speculation: Speculation = .off, keptConversationBytes: Int = 0) {
        self.speculation = speculation
        self.tokenizer = tokenizer
        self.kind = kind
        config = model.config
        matrixType = model.weights.matrixType
        let window = min(contextLimit ?? model.config.contextLength, model.config.contextLength)
        sequence = CachedSequence(model: model, contextLimit: max(1, window))
        sequence.slidePolicy = slidePolicy
        sequence.readAheadRowsPerToken = readAheadRows
        sequence.keptConversationBytes = keptConversationBytes
        contextWindow = max(1, window)
        memoryNeeds = MemoryFit(model: model, window: max(1, window), keptBytes: keptConversationBytes, usableBytes: 0)
    }

    /// The stop ids of this kind of model: `</s>`, and for chat models `<|user|>` and `<|observation|>`.
    public nonisolated func defaultStopTokens() -> Set<Int32> {
        kind.usesChatFormat ? Set(tokenizer.chatStopIds) : [tokenizer.eosId]
    }

    /// Tokens currently in the cache (the ledger).
    public var cachedTokens: [Int32] { sequence.tokens }
    /// The window this engine's cache can grow to.
    public nonisolated let contextWindow: Int
    /// What this engine can grow to hold: its matrices, a full window's cache with the slide's read-ahead,
    /// and the kept conversations' caches; its `usableBytes` is left for the caller to set.
    public nonisolated let memoryNeeds: MemoryFit
    /// The most this engine can hold (`memoryNeeds.neededBytes`).
    public nonisolated var peakBytes: Int { memoryNeeds.neededBytes }

    /// Stops the running request before its next token.
    public nonisolated func cancel() {
        running.current?.raise()
    }

    /// Runs a request, handing every event to `onEvent` on the engine's thread as it happens, and
    /// returns its `finished` reason and stats (also the last event). Cancelling the calling task stops
    /// it before the next token (or the next chunk of the prompt).
    public func run(_ request: GenerationRequest,
                    onEvent: @Sendable (GenerationEvent) -> Void) async throws -> (FinishReason, GenerationStats) {
        let flag = CancellationFlag()
        return try await withTaskCancellationHandler {
            try run(request, flag: flag, emit: onEvent)
        } onCancel: {
            flag.raise()
        }
    }

    /// The same request as a stream, for callers that iterate events (`generate`, tests). Ending the
    /// iteration stops it before the next token.
    public nonisolated func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GenerationEvent, Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    _ = try await self.run(request) { continuation.yield($0) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private func run(_ request: GenerationRequest, flag: CancellationFlag,
                     emit: (GenerationEvent) -> Void) throws -> (FinishReason, GenerationStats) {
        running.current = flag
        defer { running.current = nil }
        try request.sampling.validate()
        var stats = GenerationStats()
        stats.promptTokens = request.prompt.count
        stats.contextWindow = sequence.window
        func finish(_ reason: FinishReason) -> (FinishReason, GenerationStats) {
            stats.contextUsed = sequence.tokens.count
            emit(.finished(reason, stats))
            return (reason, stats)
        }

        let promptStart = DispatchTime.now().uptimeNanoseconds
        let prefilled: (logits: [Float], reused: Int, slide: SlideReport?)
        do {
            prefilled = try sequence.prefill(request.prompt, layout: request.layout, maySlide: request.promptMaySlide,
                                             progress: { done, total in
                emit(.promptProgress(done: done, total: total))
            }, isCancelled: { flag.isRaised })
        } catch is CancellationError {
            return finish(.cancelled)
        }
        if let slide = prefilled.slide { record(slide, in: &stats, emit: emit) }
        stats.reusedTokens = prefilled.reused
        stats.promptSeconds = Self.seconds(since: promptStart)

        var sampler = Sampler(parameters: request.sampling, seed: request.seed, allowedVocabulary: tokenizer.realVocabSize)
        var answer = AnswerEmitter(tokenizer: tokenizer, prompt: request.prompt, window: sequence.window)
        answer.stats = stats
        let reason: FinishReason
        let speculation = request.speculation ?? self.speculation
        if speculation.maxDrafts > 0, var drafter = speculation.makeSource(prompt: request.prompt, earlier: previousAnswer) {
            reason = try decodeSpeculating(request, maxDrafts: speculation.maxDrafts, drafter: &drafter, sampler: &sampler, logits: prefilled.logits,
                                           answer: &answer, flag: flag, emit: emit)
        } else {
            reason = try decodePlain(request, sampler: &sampler, logits: prefilled.logits, answer: &answer, flag: flag, emit: emit)
        }
        let tail = answer.detokenizer.finish()
        if !tail.isEmpty { emit(.text(tail)) }
        previousAnswer = Array(answer.history[request.prompt.count...])
        stats = answer.stats
        stats.generationSeconds = Self.seconds(since: answer.generationStart)
        return finish(reason)
    }

    /// One token per pass: sample, emit, feed it (sliding when the window is full).
    private func decodePlain(_ request: GenerationRequest, sampler: inout Sampler, logits prefillLogits: [Float],
                             answer: inout AnswerEmitter, flag: CancellationFlag,
                             emit: (GenerationEvent) -> Void) throws -> FinishReason {
        var logits = prefillLogits
        while answer.stats.generatedTokens < request.maxTokens {
            if flag.isRaised { return .cancelled }
            let next = sampler.next(logits: logits, history: answer.history)
            if request.stopTokens.contains(next) { return .stopToken(next) }
            answer.emit(next, logits: request.keepLogits ? logits : nil,
                        context: request.keepContexts ? sequence.tokens : nil, contextUsed: sequence.tokens.count, emit: emit)
            if answer.stats.generatedTokens == request.maxTokens { break }
            guard try feed(next, into: &logits, answer: &answer, flag: flag, emit: emit) else { return .cancelled }
        }
        return .maxTokens
    }

    /// Feeds one generated token through `step`; false when cancelled during a slide's reading.
    func feed(_ token: Int32, into logits: inout [Float], answer: inout AnswerEmitter, flag: CancellationFlag,
              emit: (GenerationEvent) -> Void) throws -> Bool {
        do {
            // a slide here may read the kept tail again: its notice comes first, then its progress
            _ = try sequence.step(token, into: &logits, onSlide: { record($0, in: &answer.stats, emit: emit) },
                                  progress: { done, total in emit(.promptProgress(done: done, total: total)) },
                                  isCancelled: { flag.isRaised })
            return true
        } catch is CancellationError {
            return false
        }
    }

    private static func seconds(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    private func record(_ slide: SlideReport, in stats: inout GenerationStats, emit: (GenerationEvent) -> Void) {
        stats.slides += 1
        stats.rereadTokens += slide.rereadTokens
        stats.readAheadTokens += slide.readAheadTokens
        emit(.contextSlid(slide))
    }
}

/// Holds the flag of the request being generated, behind a lock, for `cancel()` from any thread.
final class RunningRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var flag: CancellationFlag?

    var current: CancellationFlag? {
        get { lock.withLock { flag } }
        set { lock.withLock { flag = newValue } }
    }
}
