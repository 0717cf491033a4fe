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
    private let sequence: CachedSequence
    /// The running request's flag, reachable without entering the actor (which is busy generating).
    private nonisolated let running = RunningRequest()

    public init(model: GLMModel, tokenizer: Tokenizer, kind: ModelKind, contextLimit: Int? = nil,
                slidePolicy: SlidePolicy = .exact, readAheadRows: Int = CachedSequence.defaultReadAheadRows) {
        self.tokenizer = tokenizer
        self.kind = kind
        config = model.config
        matrixType = model.weights.matrixType
        let window = min(contextLimit ?? model.config.contextLength, model.config.contextLength)
        sequence = CachedSequence(model: model, contextLimit: max(1, window))
        sequence.slidePolicy = slidePolicy
        sequence.readAheadRowsPerToken = readAheadRows
        contextWindow = max(1, window)
    }

    /// The stop ids of this kind of model: `</s>`, and for chat models `<|user|>` and `<|observation|>`.
    public nonisolated func defaultStopTokens() -> Set<Int32> {
        kind.usesChatFormat ? Set(tokenizer.chatStopIds) : [tokenizer.eosId]
    }

    /// Tokens currently in the cache (the ledger).
    public var cachedTokens: [Int32] { sequence.tokens }
    /// The window this engine's cache can grow to.
    public nonisolated let contextWindow: Int

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
        var detokenizer = StreamingDetokenizer(tokenizer: tokenizer)
        var history = request.prompt
        var logits = prefilled.logits
        var reason = FinishReason.maxTokens
        let generationStart = DispatchTime.now().uptimeNanoseconds
        var firstTokenTime: UInt64?
        var lastTokenTime: UInt64?
        while stats.generatedTokens < request.maxTokens {
            if flag.isRaised { reason = .cancelled; break }
            let next = sampler.next(logits: logits, history: history)
            if request.stopTokens.contains(next) {
                reason = .stopToken(next)
                break
            }
            stats.generatedTokens += 1
            let now = DispatchTime.now().uptimeNanoseconds
            if let previous = lastTokenTime {
                stats.longestTokenGapSeconds = max(stats.longestTokenGapSeconds, Double(now - previous) / 1e9)
            }
            lastTokenTime = now
            firstTokenTime = firstTokenTime ?? now
            history.append(next)
            // the rate between tokens: the first one comes straight from the prompt's logits
            let sinceFirst = Double(now - (firstTokenTime ?? now)) / 1e9
            let progress = GenerationProgress(generatedTokens: stats.generatedTokens, generationSeconds: sinceFirst,
                                              contextUsed: sequence.tokens.count, contextWindow: sequence.window)
            emit(.token(GeneratedToken(id: next, text: detokenizer.append(next),
                                       logits: request.keepLogits ? logits : nil,
                                       context: request.keepContexts ? sequence.tokens : nil, progress: progress)))
            if stats.generatedTokens == request.maxTokens { break }
            do {
                // a slide here may read the kept tail again: its notice comes first, then its progress
                _ = try sequence.step(next, into: &logits, onSlide: { record($0, in: &stats, emit: emit) },
                                      progress: { done, total in emit(.promptProgress(done: done, total: total)) },
                                      isCancelled: { flag.isRaised })
            } catch is CancellationError {
                reason = .cancelled
                break
            }
        }
        let tail = detokenizer.finish()
        if !tail.isEmpty { emit(.text(tail)) }
        stats.generationSeconds = Self.seconds(since: generationStart)
        return finish(reason)
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
