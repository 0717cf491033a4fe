import Foundation
import GLMEngine

/// `glmchat bench --parallel N --speculate MODE`: N answers decoding together in the server's own
/// `BatchDecoder`, plainly and then speculating, alternated within each repetition. Each stream's
/// drafts come from its own plain answer (oracle), from that answer with every token changed (miss),
/// or from the n-gram index (ngram), so the rows drafts add to a batch and what they gain or cost
/// show in the aggregate rate. Greedy throughout: the speculative answers must equal the plain ones.
public enum BatchedSpeculationBenchmark {
    public struct Run: Sendable {
        /// Every stream's tokens after its first, over the time from the first first token to the last token.
        public var aggregateTokensPerSecond = 0.0
        /// The median of each stream's tokens after its first over its first-to-last token time.
        public var perStreamTokensPerSecond = 0.0
        public var drafted = 0
        public var accepted = 0
    }

    public struct Result: Sendable {
        public var parallel: Int
        public var plain: [Run] = []
        public var speculative: [Run] = []
        public var identical = true
    }

    public static func run(model: GLMModel, tokenizer: Tokenizer, counts: [Int], mode: SpeculationBenchmark.Mode,
                           maxDrafts: Int, promptTokens: Int, generatedTokens: Int, repetitions: Int,
                           log: (String) -> Void = { _ in }) async throws -> [Result] {
        let vocabulary = min(model.config.vocabRows, 64_000)
        let window = promptTokens + generatedTokens + maxDrafts + 2
        guard window <= model.config.contextLength else {
            throw GLMError(.contextOverflow, "the benchmark needs \(window) positions; the model's window is \(model.config.contextLength)")
        }
        var results: [Result] = []
        for count in counts {
            var result = Result(parallel: count)
            // a prompt of its own per stream (the n-gram case's pastes a passage and starts it again)
            let prompts = (0..<count).map { stream in
                mode == .ngram ? SpeculationBenchmark.prompt(promptTokens, vocabulary: vocabulary, seed: 21 + UInt64(stream))
                    : randomPrompt(promptTokens, vocabulary: vocabulary, seed: 7 + UInt64(stream))
            }
            for repetition in 0..<repetitions {
                func answers(_ speculation: (Int) -> Speculation) async throws -> (ids: [[Int32]], run: Run) {
                    try await answer(model, tokenizer, prompts, window: window, generatedTokens: generatedTokens,
                                     speculation: speculation)
                }
                let plain = try await answers { _ in .off }
                result.plain.append(plain.run)
                let fast = try await answers { stream in
                    switch mode {
                    case .off: return .off
                    case .ngram: return .ngram(maxDrafts: maxDrafts)
                    case .oracle: return .scripted(plain.ids[stream], maxDrafts: maxDrafts)
                    case .miss:
                        return .scripted(plain.ids[stream].map { SpeculationBenchmark.other(than: $0, vocabulary: vocabulary) },
                                         maxDrafts: maxDrafts)
                    }
                }
                result.speculative.append(fast.run)
                result.identical = result.identical && fast.ids == plain.ids
                log(String(format: "parallel %d #%d: plain %.2f t/s aggregate (%.2f per stream), ", count, repetition + 1,
                           plain.run.aggregateTokensPerSecond, plain.run.perStreamTokensPerSecond)
                    + mode.rawValue + String(format: " %.2f (%.2f), %d drafted, %d accepted", fast.run.aggregateTokensPerSecond,
                                             fast.run.perStreamTokensPerSecond, fast.run.drafted, fast.run.accepted)
                    + (fast.ids == plain.ids ? "" : " ANSWERS DIFFER"))
            }
            results.append(result)
        }
        return results
    }

    static func randomPrompt(_ count: Int, vocabulary: Int, seed: UInt64) -> [Int32] {
        var generator = SeededGenerator(seed: seed)
        let tokens = (0..<count).map { _ in Int32(generator.next() % UInt64(vocabulary)) }
        return Array(([64790, 64792] + tokens).prefix(max(2, count)))
    }

    /// What each stream's token events saw, collected on the decoder's thread.
    private final class Streams: @unchecked Sendable {
        private let lock = NSLock()
        private var ids: [[Int32]]
        private var times: [[UInt64]]
        private var stats: [GenerationStats]
        init(_ count: Int) {
            ids = Array(repeating: [], count: count)
            times = Array(repeating: [], count: count)
            stats = Array(repeating: GenerationStats(), count: count)
        }
        func take(_ event: GenerationEvent, stream: Int) {
            lock.withLock {
                switch event {
                case .token(let token):
                    ids[stream].append(token.id)
                    times[stream].append(DispatchTime.now().uptimeNanoseconds)
                case .finished(_, let finished): stats[stream] = finished
                default: break
                }
            }
        }
        var all: (ids: [[Int32]], times: [[UInt64]], stats: [GenerationStats]) { lock.withLock { (ids, times, stats) } }
    }

    /// The streams' greedy answers from a fresh decoder (no prefixes kept from an earlier run).
    private static func answer(_ model: GLMModel, _ tokenizer: Tokenizer, _ prompts: [[Int32]], window: Int,
                               generatedTokens: Int,
                               speculation: (Int) -> Speculation) async throws -> (ids: [[Int32]], run: Run) {
        let bytes = prompts.count * KVCache.bytes(config: model.config, positions: window, precision: model.cachePrecision)
        let decoder = BatchDecoder(model: model, tokenizer: tokenizer, contextWindow: window, maxSequences: prompts.count,
                                   memoryBudgetBytes: bytes)
        let streams = Streams(prompts.count)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (stream, prompt) in prompts.enumerated() {
                let request = GenerationRequest(prompt: prompt, sampling: .greedy, maxTokens: generatedTokens,
                                                stopTokens: [], speculation: speculation(stream))
                group.addTask { _ = try await decoder.run(request) { streams.take($0, stream: stream) } }
            }
            try await group.waitForAll()
        }
        let (ids, times, stats) = streams.all
        var run = Run()
        let first = times.compactMap(\.first).min() ?? 0, last = times.compactMap(\.last).max() ?? 0
        let tokensAfterFirst = times.reduce(0) { $0 + max(0, $1.count - 1) }
        run.aggregateTokensPerSecond = Double(tokensAfterFirst) / max(Double(last - first) / 1e9, 1e-9)
        run.perStreamTokensPerSecond = median(times.map { stream in
            guard let start = stream.first, let end = stream.last, end > start else { return 0 }
            return Double(stream.count - 1) / (Double(end - start) / 1e9)
        })
        run.drafted = stats.reduce(0) { $0 + $1.draftedTokens }
        run.accepted = stats.reduce(0) { $0 + $1.acceptedTokens }
        return (ids, run)
    }
}
