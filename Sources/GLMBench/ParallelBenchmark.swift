import Foundation
import GLMEngine

/// Generation speed with several streams decoding together (`bench --parallel 1,2,4,8`), as
/// llama.cpp's `llama-batched-bench` measures it: each stream reads a prompt of its own, then every
/// step feeds one token to each stream in one pass over the weights (`GLMModel.forwardTokens`, what
/// the server's `BatchDecoder` runs). Aggregate t/s counts every stream's tokens; per-stream t/s is
/// one stream's.
public enum ParallelBenchmark {
    public struct Result: Sendable {
        public var parallel: Int
        /// One value per repetition.
        public var aggregateTokensPerSecond: [Double] = []
        public var perStreamTokensPerSecond: [Double] = []
    }

    public static func run(model: GLMModel, counts: [Int], promptTokens: Int, generatedTokens: Int, repetitions: Int,
                           log: (String) -> Void = { _ in }) throws -> [Result] {
        let c = model.config
        let window = promptTokens + generatedTokens + 1
        guard window <= c.contextLength else {
            throw GLMError(.contextOverflow, "the benchmark needs \(window) positions; the model's window is \(c.contextLength)")
        }
        guard let largest = counts.max(), largest <= model.maxBatch else {
            throw GLMError(.badValue, "at most \(model.maxBatch) streams decode together")
        }
        var generator = SeededGenerator(seed: 7)
        func randomToken() -> Int32 { Int32(generator.next() % UInt64(min(c.vocabRows, 64_000))) }
        let precision = model.cachePrecision
        let caches = (0..<largest).map { _ in KVCache(config: c, maxPositions: window, precision: precision) }
        // Warm-up: every weight page once, and a few batched steps.
        var logits: [Float] = []
        _ = model.forward([randomToken()], cache: caches[0], logits: .last)
        for _ in 0..<3 { model.forwardTokens(caches.map { _ in randomToken() }, caches: caches, into: &logits) }

        var results: [Result] = []
        for count in counts {
            var result = Result(parallel: count)
            let streams = Array(caches.prefix(count))
            for repetition in 0..<repetitions {
                for cache in streams {
                    cache.truncate(to: 0)
                    if promptTokens > 0 { _ = model.forward((0..<promptTokens).map { _ in randomToken() }, cache: cache, logits: .last) }
                }
                var tokens = streams.map { _ in randomToken() }
                let start = DispatchTime.now()
                for _ in 0..<generatedTokens {
                    model.forwardTokens(tokens, caches: streams, into: &logits)
                    // the next token of each stream: its greedy choice, as a server would sample it
                    tokens = (0..<count).map { index in
                        Int32(argmax(logits, from: index * c.vocabRows, count: c.vocabRows))
                    }
                }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
                result.aggregateTokensPerSecond.append(Double(count * generatedTokens) / seconds)
                result.perStreamTokensPerSecond.append(Double(generatedTokens) / seconds)
                log(String(format: "parallel %d #%d: %.2f t/s aggregate, %.2f t/s per stream", count, repetition + 1,
                           Double(count * generatedTokens) / seconds, Double(generatedTokens) / seconds))
            }
            results.append(result)
        }
        return results
    }

    private static func argmax(_ values: [Float], from start: Int, count: Int) -> Int {
        var best = start
        for index in start..<(start + count) where values[index] > values[best] { best = index }
        return best - start
    }
}
