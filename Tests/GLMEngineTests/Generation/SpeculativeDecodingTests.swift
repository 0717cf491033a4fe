import Foundation
import Testing
@testable import GLMEngine

/// Speculative decoding changes no greedy token: drafts read in one pass and cut back at the first
/// disagreement give the oracle's ids, plain decoding's ids and logits, and the ledger plain decoding
/// leaves, with drafts that are all right, all wrong, or mixed, and through slides.
@Suite("Generation: speculative decoding is exact", .serialized)
struct SpeculativeDecodingTests {
    static func engine(_ type: StorageType = .f32, model name: String = "tiny-chatglm3",
                       contextLimit: Int? = nil, policy: SlidePolicy = .exact) throws -> InferenceEngine {
        let model = try OracleModelTests.load(name, as: type)
        let tokenizer = try Tokenizer(modelPath: Fixtures.tinyModel + "/tokenizer.model")
        return InferenceEngine(model: model, tokenizer: tokenizer, kind: .chat, contextLimit: contextLimit, slidePolicy: policy)
    }

    /// `script` with every `period`-th token replaced by one the model will not pick there.
    static func corrupted(_ script: [Int32], period: Int) -> [Int32] {
        script.enumerated().map { index, id in index % period == period - 1 ? Int32(100 + (Int(id) * 7 + 13) % 800) : id }
    }

    static func run(_ engine: InferenceEngine, _ prompt: [Int32], maxTokens: Int, speculation: Speculation = .off,
                    sampling: SamplingSettings = .greedy, seed: UInt64 = 0, stopTokens: Set<Int32> = [],
                    keepLogits: Bool = false, layout: PromptLayout = .plain,
                    maySlide: Bool = false) async throws -> (outcome: InferenceEngineTests.Outcome, logits: [[Float]], contexts: [[Int32]]) {
        let request = GenerationRequest(prompt: prompt, sampling: sampling, seed: seed, maxTokens: maxTokens, stopTokens: stopTokens,
                                        layout: layout, promptMaySlide: maySlide, keepLogits: keepLogits,
                                        keepContexts: keepLogits, speculation: speculation)
        var logits: [[Float]] = []
        var contexts: [[Int32]] = []
        var outcome = InferenceEngineTests.Outcome()
        for try await event in engine.generate(request) {
            switch event {
            case .token(let token):
                outcome.ids.append(token.id)
                if let row = token.logits { logits.append(row) }
                if let context = token.context { contexts.append(context) }
            case .contextSlid(let report):
                outcome.slides += 1
                outcome.slideReports.append(report)
            case .finished(let reason, let stats):
                outcome.reason = reason
                outcome.stats = stats
            default: break
            }
        }
        return (outcome, logits, contexts)
    }

    @Test("the oracle's greedy answers, with drafts all right, one in three wrong, and from the n-gram index",
          arguments: [StorageType.f32, .q4_0, .q8_0])
    func oracleFixtures(type: StorageType) async throws {
        let cases = try BatchDecoderTests.oracleCases()
        try #require(cases.count >= 4)
        let engine = try Self.engine(type)
        for item in cases {
            let plain = try await Self.run(engine, item.inputIDs, maxTokens: 16).outcome.ids
            if type == .f32 { #expect(plain == item.greedyIDs, "\(item.name)") }
            let forms: [(String, Speculation)] = [
                ("oracle", .scripted(plain, maxDrafts: 8)),
                ("mixed", .scripted(Self.corrupted(plain, period: 3), maxDrafts: 5)),
                ("wrong", .scripted(Self.corrupted(plain, period: 1), maxDrafts: 8)),
                ("ngram", .ngram(maxDrafts: 8)),
            ]
            for (name, speculation) in forms {
                let run = try await Self.run(engine, item.inputIDs, maxTokens: 16, speculation: speculation)
                #expect(run.outcome.ids == plain, "\(item.name) \(name) \(type)")
                #expect(run.outcome.reason == .maxTokens)
                #expect(run.outcome.stats.acceptedTokens <= run.outcome.stats.draftedTokens)
                if type == .f32 { #expect(run.outcome.stats.draftedTokens == 0, "F32 weights do not speculate") }
                if name == "oracle" {
                    #expect(run.outcome.stats.acceptedTokens == run.outcome.stats.draftedTokens)
                    #expect(run.outcome.stats.verifyPasses <= 3, "16 tokens: the first, then 8 drafts a pass")
                }
                if name == "wrong" { #expect(run.outcome.stats.acceptedTokens == 0) }
            }
        }
    }

    /// A prompt of random tokens in which chunks repeat, so the n-gram index guesses often and the
    /// model agrees now and then.
    static func repeatingPrompt(seed: UInt64, count: Int) -> [Int32] {
        var generator = SeededGenerator(seed: seed)
        let chunks = (0..<6).map { _ in (0..<(8 + Int(generator.next() % 12))).map { _ in Int32(100 + generator.next() % 900) } }
        var prompt: [Int32] = [64790, 64792]
        while prompt.count < count { prompt += chunks[Int(generator.next() % 6)] }
        return Array(prompt.prefix(count))
    }

    @Test("long random prompts with repeats: the same ids, logits and contexts as plain decoding",
          arguments: [StorageType.q4_0, .q8_0])
    func longRandomPrompts(type: StorageType) async throws {
        var drafted = 0, accepted = 0
        for seed in UInt64(1)...3 {
            let prompt = Self.repeatingPrompt(seed: seed, count: 300 + 60 * Int(seed))
            // an engine each: a second request on one engine would read the prompt's last token alone,
            // which for F32 weights rounds differently from the batch of the first (sgemm)
            let plain = try await Self.run(try Self.engine(type), prompt, maxTokens: 80, keepLogits: true)
            let fast = try await Self.run(try Self.engine(type), prompt, maxTokens: 80, speculation: .ngram(maxDrafts: 8),
                                          keepLogits: true)
            #expect(fast.outcome.ids == plain.outcome.ids, "seed \(seed)")
            #expect(fast.logits == plain.logits, "every row bit for bit, seed \(seed)")
            #expect(fast.contexts == plain.contexts, "seed \(seed)")
            drafted += fast.outcome.stats.draftedTokens
            accepted += fast.outcome.stats.acceptedTokens
        }
        #expect(drafted > 0)
        #expect(accepted > 0, "a tiny random model repeats itself, and the index guesses the repeats")
    }

    @Test("the ledger ends as plain decoding leaves it: at the limit, at a stop token, and for the next request")
    func ledgerAfterAnswer() async throws {
        let item = try #require(BatchDecoderTests.oracleCases().first)
        let plainEngine = try Self.engine(), fastEngine = try Self.engine()
        let plain = try await Self.run(plainEngine, item.inputIDs, maxTokens: 12).outcome.ids
        let oracle = Speculation.scripted(plain, maxDrafts: 8)
        _ = try await Self.run(fastEngine, item.inputIDs, maxTokens: 12, speculation: oracle)
        #expect(await fastEngine.cachedTokens == item.inputIDs + plain.prefix(11))
        // a stop token in the middle of the drafts: the tokens before it are fed, it is not
        let stop = plain[6]
        let firstStop = try #require(plain.firstIndex(of: stop))
        let plainStopped = try await Self.run(plainEngine, item.inputIDs, maxTokens: 12, stopTokens: [stop])
        let fastStopped = try await Self.run(fastEngine, item.inputIDs, maxTokens: 12, speculation: oracle, stopTokens: [stop])
        #expect(fastStopped.outcome.ids == Array(plain.prefix(firstStop)))
        #expect(fastStopped.outcome.reason == plainStopped.outcome.reason)
        #expect(await fastEngine.cachedTokens == plainEngine.cachedTokens)
        // the next request reuses as much and reads the same logits
        let next = item.inputIDs + plain.prefix(firstStop) + [30, 31]
        let a = try await Self.run(plainEngine, next, maxTokens: 6, keepLogits: true)
        let b = try await Self.run(fastEngine, next, maxTokens: 6, speculation: .ngram(maxDrafts: 4), keepLogits: true)
        #expect(b.outcome.stats.reusedTokens == a.outcome.stats.reusedTokens)
        #expect(b.logits == a.logits)
    }

    /// Quantized weights (their batch rows compute exactly as lone rows, so drafts may be verified),
    /// with the exact cache and with the q8_0 cache.
    @Test("verify then roll back: the cache holds what feeding the kept tokens one by one gives",
          arguments: [(StorageType.q4_0, KVCacheType.f16), (.q8_0, .f16), (.q8_0, .q8_0)])
    func rollBackMatchesSteps(type: StorageType, cacheType: KVCacheType) throws {
        let model = try OracleModelTests.load("tiny-chatglm3", as: type, cacheType: cacheType)
        let item = try #require(BatchDecoderTests.oracleCases().first)
        let stepped = CachedSequence(model: model, contextLimit: 256)
        let verified = CachedSequence(model: try OracleModelTests.load("tiny-chatglm3", as: type, cacheType: cacheType),
                                      contextLimit: 256)
        _ = try stepped.prefill(item.inputIDs)
        _ = try verified.prefill(item.inputIDs)
        let base = verified.tokens.count
        let rows = try verified.verify(item.greedyIDs[0], drafts: [item.greedyIDs[1], 77, 78, 79])
        let vocab = model.config.vocabRows
        #expect(rows.count == 5 * vocab)
        var one: [Float] = []
        _ = try stepped.step(item.greedyIDs[0], into: &one)
        #expect(Array(rows[0..<vocab]) == one)
        _ = try stepped.step(item.greedyIDs[1], into: &one)
        #expect(Array(rows[vocab..<(2 * vocab)]) == one)
        verified.rollBack(to: base + 2)
        #expect(verified.tokens == stepped.tokens)
        #expect(verified.cache.count == stepped.cache.count)
        // the rejected positions are gone: the next token sees only the kept ones
        var a: [Float] = [], b: [Float] = []
        _ = try stepped.step(item.greedyIDs[2], into: &a)
        _ = try verified.step(item.greedyIDs[2], into: &b)
        #expect(a == b)
        for layer in [0, model.config.numLayers - 1] {
            for position in 0..<stepped.cache.count {
                #expect(verified.cache.row(key: true, layer: layer, position: position)
                        == stepped.cache.row(key: true, layer: layer, position: position))
                #expect(verified.cache.row(key: false, layer: layer, position: position)
                        == stepped.cache.row(key: false, layer: layer, position: position))
            }
        }
    }

    @Test("drafts never reach past the window, and never into a batch that would change the product")
    func draftRoom() throws {
        let f32 = CachedSequence(model: try OracleModelTests.load("tiny-chatglm3"), contextLimit: 40)
        let q4 = CachedSequence(model: try OracleModelTests.load("tiny-chatglm3", as: .q4_0), contextLimit: 40)
        let prompt = Array(Self.repeatingPrompt(seed: 9, count: 30))
        _ = try f32.prefill(prompt)
        _ = try q4.prefill(prompt)
        #expect(f32.draftRoom(wanted: 16) == 0, "F32: a batch rounds differently from a lone row")
        #expect(q4.draftRoom(wanted: 16) == 9, "40 positions, 30 held, the generated token")
        #expect(throws: GLMError.self) { try q4.verify(1, drafts: Array(repeating: 5, count: 10)) }
        _ = try q4.verify(1, drafts: Array(repeating: 5, count: 9))
        #expect(q4.tokens.count == 40)
        #expect(q4.draftRoom(wanted: 4) == 0)
    }

    @Test("through slides: the same ids as plain decoding in a small window, drafts right and wrong",
          arguments: [SlidePolicy.exact, .shift])
    func acrossSlides(policy: SlidePolicy) async throws {
        let prompt = Self.repeatingPrompt(seed: 4, count: 40)
        let layout = PromptLayout(keepPrefix: 4, turnStarts: [4])
        let plainEngine = try Self.engine(.q4_0, contextLimit: 64, policy: policy)
        let plain = try await Self.run(plainEngine, prompt, maxTokens: 150, layout: layout, maySlide: true)
        #expect(plain.outcome.slides >= 3)
        for speculation in [Speculation.scripted(plain.outcome.ids, maxDrafts: 8),
                            .scripted(Self.corrupted(plain.outcome.ids, period: 4), maxDrafts: 8), .ngram(maxDrafts: 8)] {
            let engine = try Self.engine(.q4_0, contextLimit: 64, policy: policy)
            let fast = try await Self.run(engine, prompt, maxTokens: 150, speculation: speculation, layout: layout, maySlide: true)
            #expect(fast.outcome.ids == plain.outcome.ids)
            #expect(fast.outcome.slides == plain.outcome.slides)
            #expect(await engine.cachedTokens == plainEngine.cachedTokens)
            if policy == .exact {
                // the read-ahead rides with the verification passes too: a slide reads at most the token and
                // the drafts accepted by the last pass (without it, the whole kept tail: 28 tokens and more)
                let reread = fast.outcome.slideReports.map(\.rereadTokens)
                #expect(reread.allSatisfy { $0 <= 1 + 8 }, "tokens read at each slide: \(reread)")
                #expect(fast.outcome.slideReports.allSatisfy { $0.readAheadTokens > 20 })
            }
        }
        if policy == .exact {
            #expect(plain.outcome.slideReports.allSatisfy { $0.rereadTokens == 1 && $0.readAheadTokens > 4 })
        }
    }
}
