import Foundation
import GLMEngine

/// How far the q8_0 KV cache moves a model's logits from the exact cache at depth (`glmchat bench
/// --cache-drift`): the same random prompt of `depth` tokens is read into both caches, then `steps`
/// greedy tokens are fed to both, each the exact run's choice (teacher-forced, so every step compares
/// the same context).
public enum CacheDrift {
    public struct Result: Sendable {
        public var depth = 0
        public var exactPrecision = ""
        /// Per compared position (the prompt's last, then each step): max |logit difference|.
        public var maxDifferences: [Float] = []
        /// Per compared position: the largest |logit| of the exact run (the scale the differences sit on).
        public var logitScales: [Float] = []
        /// Positions where both runs' greedy choices agree.
        public var greedyAgreements = 0

        public var worst: Float { maxDifferences.max() ?? 0 }
        public var compared: Int { maxDifferences.count }

        public func summary() -> String {
            let sorted = maxDifferences.sorted()
            let middle = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
            return String(format: "q8_0 against the exact %@ cache after %d tokens: max |logit difference| %.4f (median over positions %.4f; largest |logit| %.2f); greedy agreement %d / %d",
                          exactPrecision, depth, worst, middle, logitScales.max() ?? 0, greedyAgreements, compared)
        }
    }

    public static func run(weights: GLMWeights, compute: ComputeContext, depth: Int, steps: Int,
                           log: (String) -> Void = { _ in }) throws -> Result {
        let c = weights.config
        let window = depth + steps + 1
        guard depth >= 1, window <= c.contextLength else {
            throw GLMError(.contextOverflow, "the drift test needs \(window) positions; the model's window is \(c.contextLength)")
        }
        try KVCacheType.q8_0.check(headDim: c.headDim)
        let exact = GLMModel(weights: weights, compute: compute, maxBatch: 64, cacheType: .f16)
        let q8 = GLMModel(weights: weights, compute: compute, maxBatch: 64, cacheType: .q8_0)
        let exactCache = KVCache(config: c, maxPositions: window, precision: exact.cachePrecision)
        let q8Cache = KVCache(config: c, maxPositions: window, precision: q8.cachePrecision)
        var generator = SeededGenerator(seed: 7)
        let prompt = (0..<depth).map { _ in Int32(generator.next() % UInt64(min(c.vocabRows, 64_000))) }
        var result = Result()
        result.depth = depth
        result.exactPrecision = exact.cachePrecision.rawValue
        log("reading \(depth) tokens into the \(result.exactPrecision) cache")
        var a = exact.forward(prompt, cache: exactCache, logits: .last)
        log("reading \(depth) tokens into the q8_0 cache")
        var b = q8.forward(prompt, cache: q8Cache, logits: .last)
        for step in 0...steps {
            var worst: Float = 0, scale: Float = 0
            for i in 0..<min(a.count, b.count) {
                worst = max(worst, abs(a[i] - b[i]))
                scale = max(scale, abs(a[i]))
            }
            result.maxDifferences.append(worst)
            result.logitScales.append(scale)
            let token = Int32(Sampler.argmax(a, count: min(a.count, 64_000)))
            if token == Int32(Sampler.argmax(b, count: min(b.count, 64_000))) { result.greedyAgreements += 1 }
            guard step < steps else { break }
            exact.forwardToken(token, cache: exactCache, into: &a)
            q8.forwardToken(token, cache: q8Cache, into: &b)
        }
        return result
    }
}
