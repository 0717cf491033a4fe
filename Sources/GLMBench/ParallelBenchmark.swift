import Foundation
import GLMEngine

/// Generation speed with several streams decoding together (`bench --parallel 1,2,4,8`), as
/// llama.cpp's `llama-batched-bench` measures it: each stream reads a prompt of its own, then every
/// step feeds one token to each stream in one pass over the weights (`GLMModel.forwardTokens`, what
/// the server's `BatchDecoder` runs). Aggregate t/s counts every stream's tokens; per-stream t/s is
/// one stream's. With a context, every stream holds that many cached positions before its prompt
/// (as `llama-bench -d`); with read-ahead rows, the slide's read-ahead phase is timed in the batch too.
public enum ParallelBenchmark {
    public struct Options: Sendable {
        public var counts: [Int] = [1]
        public var promptTokens = 32
        public var generatedTokens = 32
        public var repetitions = 1
        /// Cached positions (random rows) each stream holds before its prompt.
        public var context = 0
        /// Rows of each stream's next slide's kept part fed along with each step, as `serve --parallel`
        /// reads them (0: no such test).
        public var readAheadRows = 0
        public init() {}
    }

    public struct Result: Sendable {
        public var parallel: Int
        /// Cached positions every stream started its prompt after (the requested context, or less if
        /// the window is smaller).
        public var context = 0
        /// One value per repetition.
        public var aggregateTokensPerSecond: [Double] = []
        public var perStreamTokensPerSecond: [Double] = []
        /// Per repetition: the batch's rate while every stream reads its kept part ahead over its rate
        /// without, at the same depths (`readAheadPhaseShare`); empty without read-ahead rows.
        public var readAheadPhaseShares: [Double] = []
    }

    public static func run(model: GLMModel, options: Options, log: (String) -> Void = { _ in }) throws -> [Result] {
        let c = model.config
        let added = options.promptTokens + options.generatedTokens + 1
        var context = options.context
        if context > 0, context + added > c.contextLength, c.contextLength - added > 0 {
            context = c.contextLength - added
            log("--context \(options.context) leaves no room for \(added) positions in a window of \(c.contextLength): starting after \(context) cached positions")
        }
        let window = context + added
        guard window <= c.contextLength else {
            throw GLMError(.contextOverflow, "the benchmark needs \(window) positions; the model's window is \(c.contextLength)")
        }
        let rowsPerStream = 1 + options.readAheadRows
        guard let largest = options.counts.max(), largest * rowsPerStream <= model.maxBatch else {
            throw GLMError(.badValue, "at most \(model.maxBatch / rowsPerStream) streams decode together with \(options.readAheadRows) read-ahead rows each")
        }
        var generator = SeededGenerator(seed: 7)
        func randomToken() -> Int32 { Int32(generator.next() % UInt64(min(c.vocabRows, 64_000))) }
        let precision = model.cachePrecision
        let caches = (0..<largest).map { _ in KVCache(config: c, maxPositions: window, precision: precision) }
        for (stream, cache) in caches.enumerated() { cache.fillWithRandomRows(upTo: context, seed: UInt64(stream)) }
        let phase = ReadAheadPhase(model: model, rows: options.readAheadRows, depth: context + options.promptTokens,
                                   steps: options.generatedTokens, streams: largest)
        // Warm-up: every weight page once, and a few batched steps (the caches are cut back after).
        var logits: [Float] = []
        _ = model.forward([randomToken()], cache: caches[0], logits: .last)
        for _ in 0..<3 { model.forwardTokens(caches.map { _ in randomToken() }, caches: caches, into: &logits) }

        var results: [Result] = []
        for count in options.counts {
            var result = Result(parallel: count, context: context)
            let streams = Array(caches.prefix(count))
            for repetition in 0..<options.repetitions {
                for cache in streams {
                    cache.truncate(to: context)
                    if options.promptTokens > 0 {
                        _ = model.forward((0..<options.promptTokens).map { _ in randomToken() }, cache: cache, logits: .last)
                    }
                }
                var tokens = streams.map { _ in randomToken() }
                let start = DispatchTime.now()
                for _ in 0..<options.generatedTokens {
                    model.forwardTokens(tokens, caches: streams, into: &logits)
                    tokens = nextTokens(logits, count: count, vocabRows: c.vocabRows)
                }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
                let generated = Double(options.generatedTokens)
                result.aggregateTokensPerSecond.append(Double(count) * generated / seconds)
                result.perStreamTokensPerSecond.append(generated / seconds)
                var line = String(format: "parallel %d #%d: %.2f t/s aggregate, %.2f t/s per stream", count, repetition + 1,
                                  Double(count) * generated / seconds, generated / seconds)
                if let phase {
                    let share = phase.share(caches: streams, first: tokens)
                    result.readAheadPhaseShares.append(share)
                    line += String(format: "; +%d read-ahead rows each, over the phase: %.1f%% of that", options.readAheadRows,
                                   share * 100)
                }
                log(line)
            }
            results.append(result)
        }
        return results
    }

    /// Each stream's greedy choice from the batch's logits, as a server would sample it.
    static func nextTokens(_ logits: [Float], count: Int, vocabRows: Int) -> [Int32] {
        (0..<count).map { index in Int32(argmax(logits, from: index * vocabRows, count: vocabRows)) }
    }

    private static func argmax(_ values: [Float], from start: Int, count: Int) -> Int {
        var best = start
        for index in start..<(start + count) where values[index] > values[best] { best = index }
        return best - start
    }
}
