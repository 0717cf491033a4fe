import Foundation
import Testing
@testable import GLMEngine

/// With sampling, a drafted token is kept with the model's probability for it, and on rejection the
/// token is drawn from the model's distribution without the draft: the kept token then has exactly
/// the distribution plain sampling draws from. Checked with a chi-square bound over fixed seeds
/// (deterministic, no clock), on the tiny model's own logits; rules that are almost right fail it.
@Suite("Generation: speculative sampling keeps the distribution", .serialized)
struct SpeculativeSamplingTests {
    static let settings = SamplingSettings(temperature: 1.3, topP: 1, topK: 8, repetitionPenalty: 1)
    static let vocabulary = 1009
    static let trials = 4000

    /// The distribution `Sampler` draws from under `settings` (top-k, then softmax at the temperature).
    static func exact(_ logits: [Float], settings: SamplingSettings = settings) -> [Int32: Double] {
        let ranked = (0..<min(vocabulary, logits.count)).sorted { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
        let kept = ranked.prefix(settings.topK)
        let best = Double(logits[kept[kept.startIndex]]) / Double(settings.temperature)
        var weights: [Int32: Double] = [:]
        for i in kept { weights[Int32(i)] = exp(Double(logits[i]) / Double(settings.temperature) - best) }
        let total = weights.values.reduce(0, +)
        return weights.mapValues { $0 / total }
    }

    /// Pearson's statistic of `counts` against `expected` (cells under 5 expected pooled), and its
    /// 0.1% critical value (Wilson-Hilferty), so a right rule fails one seed set in a thousand.
    static func chiSquare(_ counts: [Int32: Int], _ expected: [Int32: Double], trials: Int) -> (statistic: Double, critical: Double) {
        var statistic = 0.0
        var cells = 0
        var pooledExpected = 0.0, pooledObserved = 0.0
        for (id, p) in expected {
            let e = p * Double(trials), o = Double(counts[id] ?? 0)
            if e < 5 { pooledExpected += e; pooledObserved += o; continue }
            statistic += (o - e) * (o - e) / e
            cells += 1
        }
        let outside = Double(counts.filter { expected[$0.key] == nil }.values.reduce(0, +))
        pooledObserved += outside
        if pooledExpected > 0 || outside > 0 {
            let e = max(pooledExpected, 1e-9)
            statistic += (pooledObserved - e) * (pooledObserved - e) / e
            cells += 1
        }
        let df = Double(max(1, cells - 1)), z = 3.09
        let critical = df * pow(1 - 2 / (9 * df) + z * (2 / (9 * df)).squareRoot(), 3)
        return (statistic, critical)
    }

    static func promptLogits() throws -> (GLMModel, [Int32], [Float]) {
        let model = try OracleModelTests.load("tiny-chatglm3", as: .q4_0)
        let item = try #require(BatchDecoderTests.oracleCases().first)
        let cache = KVCache(config: model.config, maxPositions: 256, precision: .f16)
        return (model, item.inputIDs, model.forward(item.inputIDs, cache: cache, logits: .last))
    }

    /// One rule's tokens over `trials` seeds, counted.
    static func counts(_ rule: (inout Sampler) -> Int32) -> [Int32: Int] {
        var counts: [Int32: Int] = [:]
        for seed in 0..<trials {
            var sampler = Sampler(parameters: settings, seed: UInt64(seed) &* 7919 &+ 11, allowedVocabulary: vocabulary)
            counts[rule(&sampler), default: 0] += 1
        }
        return counts
    }

    @Test("the rule keeps the distribution for a likely draft, an unlikely one and one outside top-k; wrong rules fail the bound")
    func ruleOnModelLogits() throws {
        let (_, prompt, logits) = try Self.promptLogits()
        let p = Self.exact(logits)
        let ranked = p.sorted { $0.value > $1.value }.map(\.key)
        let outside = Int32((0..<Self.vocabulary).first { p[Int32($0)] == nil } ?? 0)
        for draft in [ranked[0], ranked[3], outside] {
            let right = Self.counts { sampler in sampler.verify(draft: draft, logits: logits[...], history: prompt).token }
            let test = Self.chiSquare(right, p, trials: Self.trials)
            #expect(test.statistic < test.critical, "draft \(draft): chi-square \(test.statistic), bound \(test.critical)")
        }
        // plain sampling passes the same bound (the yardstick)
        let plain = Self.chiSquare(Self.counts { $0.next(logits: logits, history: prompt) }, p, trials: Self.trials)
        #expect(plain.statistic < plain.critical)

        let draft = ranked[1]
        try #require((p[draft] ?? 0) > 0.05 && (p[draft] ?? 0) < 0.5, "a draft of middling probability: \(p[draft] ?? 0)")
        // wrong: on rejection, draw from the whole distribution (the draft comes out too often)
        let redraw = Self.counts { sampler in
            let (token, accepted) = sampler.verify(draft: draft, logits: logits[...], history: prompt)
            return accepted ? token : sampler.next(logits: logits, history: prompt)
        }
        // wrong: on rejection, take the model's most likely other token
        let greedyFallback = Self.counts { sampler in
            let (token, accepted) = sampler.verify(draft: draft, logits: logits[...], history: prompt)
            return accepted ? token : (ranked[0] == draft ? ranked[1] : ranked[0])
        }
        // wrong: keep a draft only when it is the model's favourite (greedy's test), else the rule's fallback
        let argmaxOnly = Self.counts { sampler in
            var decided = sampler.verify(draft: draft, logits: logits[...], history: prompt)
            while decided.accepted && draft != ranked[0] {
                decided = sampler.verify(draft: draft, logits: logits[...], history: prompt)
            }
            return decided.token
        }
        for (name, counts) in [("redraw", redraw), ("greedy fallback", greedyFallback), ("argmax only", argmaxOnly)] {
            let test = Self.chiSquare(counts, p, trials: Self.trials)
            #expect(test.statistic > test.critical, "\(name) must fail: chi-square \(test.statistic), bound \(test.critical)")
        }
    }

    /// Always guesses one token.
    struct FixedDraft: DraftSource {
        let token: Int32
        mutating func propose(after history: [Int32], limit: Int) -> [Int32] { limit > 0 ? [token] : [] }
    }

    @Test("through the engine: the second token's distribution with a fixed draft is plain sampling's")
    func engineSecondToken() async throws {
        let (model, prompt, logits) = try Self.promptLogits()
        // the exact distribution of the second token: sum over the first of p(first) p(second | first)
        let first = Self.exact(logits)
        var second: [Int32: Double] = [:]
        for (token, pFirst) in first {
            let cache = KVCache(config: model.config, maxPositions: 256, precision: .f16)
            let row = model.forward(prompt + [token], cache: cache, logits: .last)
            for (next, p) in Self.exact(row) { second[next, default: 0] += pFirst * p }
        }
        let likely = try #require(second.max { $0.value < $1.value }?.key)
        let tokenizer = try Tokenizer(modelPath: Fixtures.tinyModel + "/tokenizer.model")
        let engine = InferenceEngine(model: model, tokenizer: tokenizer, kind: .chat)
        let trials = 2500
        var counts: [Int32: Int] = [:]
        var accepted = 0
        for seed in 0..<trials {
            let request = GenerationRequest(prompt: prompt, sampling: Self.settings, seed: UInt64(seed) &* 104_729 &+ 3,
                                            maxTokens: 3, stopTokens: [],
                                            speculation: .source({ FixedDraft(token: likely) }, maxDrafts: 1))
            let outcome = try await InferenceEngineTests.collect(engine.generate(request))
            try #require(outcome.ids.count == 3)
            counts[outcome.ids[1], default: 0] += 1
            accepted += outcome.stats.acceptedTokens
        }
        #expect(accepted > trials / 20, "the draft is accepted now and then")
        let test = Self.chiSquare(counts, second, trials: trials)
        #expect(test.statistic < test.critical, "chi-square \(test.statistic), bound \(test.critical)")
    }
}
