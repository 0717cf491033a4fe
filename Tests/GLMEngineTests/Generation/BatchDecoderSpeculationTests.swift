import Foundation
import Testing
@testable import GLMEngine

/// Answers decoding together speculate as the engine does: drafts carried in their step and decided
/// row by row change no greedy token, sampling draws as the engine's speculating sampler draws, a stop
/// token among the drafts ends the answer where plain decoding does, and slides still happen exactly.
@Suite("Generation: batched answers speculate exactly", .serialized)
struct BatchDecoderSpeculationTests {
    static func decoder(_ type: StorageType, model name: String = "tiny-chatglm3", window: Int = 512,
                        speculation: Speculation) throws -> BatchDecoder {
        let model = try OracleModelTests.load(name, as: type)
        let tokenizer = try Tokenizer(modelPath: Fixtures.tinyModel + "/tokenizer.model")
        return BatchDecoder(model: model, tokenizer: tokenizer, contextWindow: window, maxSequences: 4,
                            memoryBudgetBytes: 1 << 30, promptChunk: 16, speculation: speculation)
    }

    typealias Answer = (ids: [Int32], reason: FinishReason, stats: GenerationStats, slides: [SlideReport])

    /// Every request answered at once by `decoder`: ids, finish reason, stats and slides, in request order.
    static func together(_ decoder: BatchDecoder, _ requests: [GenerationRequest]) async throws -> [Answer] {
        try await withThrowingTaskGroup(of: (Int, Answer).self) { group in
            for (index, request) in requests.enumerated() {
                group.addTask {
                    let events = BatchDecoderSlideTests.Events()
                    let (reason, stats) = try await decoder.run(request) { events.take($0) }
                    return (index, (events.tokens, reason, stats, events.slides))
                }
            }
            var results = [Answer?](repeating: nil, count: requests.count)
            for try await (index, answer) in group { results[index] = answer }
            return results.compactMap { $0 }
        }
    }

    static func request(_ prompt: [Int32], maxTokens: Int, sampling: SamplingSettings = .greedy, seed: UInt64 = 0,
                        stopTokens: Set<Int32> = [], speculation: Speculation? = nil) -> GenerationRequest {
        GenerationRequest(prompt: prompt, sampling: sampling, seed: seed, maxTokens: maxTokens, stopTokens: stopTokens,
                          speculation: speculation)
    }

    @Test("long random prompts with repeats, decoded together with n-gram drafts: plain decoding's ids",
          arguments: [StorageType.q4_0, .q8_0])
    func repeatsTogether(type: StorageType) async throws {
        let prompts = (UInt64(1)...3).map { SpeculativeDecodingTests.repeatingPrompt(seed: $0, count: 200 + 50 * Int($0)) }
        var plain: [[Int32]] = []
        for prompt in prompts {
            plain.append(try await SpeculativeDecodingTests.run(try SpeculativeDecodingTests.engine(type), prompt,
                                                                maxTokens: 60).outcome.ids)
        }
        let decoder = try Self.decoder(type, speculation: .ngram(maxDrafts: 8))
        let results = try await Self.together(decoder, prompts.map { Self.request($0, maxTokens: 60) })
        for (index, result) in results.enumerated() {
            #expect(result.ids == plain[index], "prompt \(index)")
            #expect(result.reason == .maxTokens)
            #expect(result.stats.acceptedTokens <= result.stats.draftedTokens)
        }
        #expect(results.reduce(0) { $0 + $1.stats.draftedTokens } > 0)
        #expect(results.reduce(0) { $0 + $1.stats.acceptedTokens } > 0, "the tiny model repeats itself, and the index guesses it")
        #expect(decoder.counts.running == 0)
    }

    @Test("drafts all right, one in three wrong and all wrong, beside a plain answer: the oracle's ids")
    func scriptedDrafts() async throws {
        let cases = try BatchDecoderTests.oracleCases()
        try #require(cases.count >= 4)
        let decoder = try Self.decoder(.q4_0, speculation: .off)
        for item in cases {
            let plain = try await SpeculativeDecodingTests.run(try SpeculativeDecodingTests.engine(.q4_0), item.inputIDs,
                                                               maxTokens: 16).outcome.ids
            let requests = [
                Self.request(item.inputIDs, maxTokens: 16, speculation: .scripted(plain, maxDrafts: 8)),
                Self.request(item.inputIDs, maxTokens: 16, speculation: .scripted(SpeculativeDecodingTests.corrupted(plain, period: 3), maxDrafts: 5)),
                Self.request(item.inputIDs, maxTokens: 16, speculation: .scripted(SpeculativeDecodingTests.corrupted(plain, period: 1), maxDrafts: 8)),
                Self.request(item.inputIDs, maxTokens: 16),
            ]
            let results = try await Self.together(decoder, requests)
            for (index, result) in results.enumerated() {
                #expect(result.ids == plain, "\(item.name), request \(index)")
                #expect(result.reason == .maxTokens)
            }
            #expect(results[0].stats.draftedTokens > 0 && results[0].stats.acceptedTokens == results[0].stats.draftedTokens)
            #expect(results[2].stats.acceptedTokens == 0)
            #expect(results[3].stats.draftedTokens == 0, "the decoder's own setting is off")
        }
    }

    /// Alone, an answer whose drafts always miss tries one draft a step, as the engine does (a pass of
    /// two rows costs about one); beside another answer it waits `DraftBudget.stepsAfterMiss` steps after
    /// each miss, so the rows it wastes stay few.
    @Test("after a miss, an answer among others waits before it drafts again; alone it drafts as the engine")
    func missesAmongOthers() async throws {
        let item = try #require(try BatchDecoderTests.oracleCases().first)
        let engine = try SpeculativeDecodingTests.engine(.q4_0)
        let plain = try await SpeculativeDecodingTests.run(engine, item.inputIDs, maxTokens: 40).outcome.ids
        let wrong = Speculation.scripted(SpeculativeDecodingTests.corrupted(plain, period: 1), maxDrafts: 8)
        let expected = try await SpeculativeDecodingTests.run(engine, item.inputIDs, maxTokens: 40, speculation: wrong).outcome
        let decoder = try Self.decoder(.q4_0, speculation: .off)
        let alone = try #require(try await Self.together(decoder, [Self.request(item.inputIDs, maxTokens: 40, speculation: wrong)]).first)
        #expect(alone.ids == plain)
        #expect(alone.stats.verifyPasses == expected.stats.verifyPasses)
        #expect(alone.stats.verifyPasses >= 30)
        let beside = try await Self.together(decoder, [Self.request(item.inputIDs, maxTokens: 40, speculation: wrong),
                                                       Self.request(item.inputIDs, maxTokens: 60)])
        #expect(beside[0].ids == plain)
        #expect(beside[0].stats.acceptedTokens == 0)
        #expect(beside[0].stats.verifyPasses >= 1)
        // the steps before the other answer's prompt is read, then one pass in every 17 steps
        #expect(beside[0].stats.verifyPasses <= 8, "\(beside[0].stats.verifyPasses) passes with drafts")
    }

    @Test("a stop token among accepted drafts ends the answer where plain decoding ends it")
    func stopAmongDrafts() async throws {
        let item = try #require(try BatchDecoderTests.oracleCases().first)
        let engine = try SpeculativeDecodingTests.engine(.q4_0)
        let plain = try await SpeculativeDecodingTests.run(engine, item.inputIDs, maxTokens: 16).outcome.ids
        let stop = plain[6]
        let expected = try await SpeculativeDecodingTests.run(engine, item.inputIDs, maxTokens: 16, stopTokens: [stop]).outcome
        let decoder = try Self.decoder(.q4_0, speculation: .scripted(plain, maxDrafts: 8))
        let result = try #require(try await Self.together(decoder, [Self.request(item.inputIDs, maxTokens: 16, stopTokens: [stop])]).first)
        #expect(result.ids == expected.ids)
        #expect(result.reason == .stopToken(stop))
        #expect(result.stats.draftedTokens > 0)
    }

    /// With sampling the rule is the engine's (`Sampler.verify`), so an answer alone in the decoder,
    /// whose drafts are not cut by other answers, draws exactly what the speculating engine draws.
    @Test("sampling with drafts, alone in the decoder: the speculating engine's draws, seed by seed")
    func samplingAsTheEngine() async throws {
        let item = try #require(try BatchDecoderTests.oracleCases().first)
        let sampling = SamplingSettings(temperature: 1.2, topP: 0.95, topK: 20, repetitionPenalty: 1)
        let plain = try await SpeculativeDecodingTests.run(try SpeculativeDecodingTests.engine(.q4_0), item.inputIDs,
                                                           maxTokens: 24).outcome.ids
        let speculation = Speculation.scripted(SpeculativeDecodingTests.corrupted(plain, period: 4), maxDrafts: 6)
        let decoder = try Self.decoder(.q4_0, speculation: speculation)
        var differing = 0
        for seed in UInt64(1)...4 {
            let engine = try await SpeculativeDecodingTests.run(try SpeculativeDecodingTests.engine(.q4_0), item.inputIDs,
                                                                maxTokens: 24, speculation: speculation, sampling: sampling,
                                                                seed: seed).outcome
            let batched = try #require(try await Self.together(decoder, [Self.request(item.inputIDs, maxTokens: 24, sampling: sampling, seed: seed)]).first)
            #expect(batched.ids == engine.ids, "seed \(seed)")
            #expect(batched.stats.draftedTokens == engine.stats.draftedTokens, "seed \(seed)")
            #expect(batched.stats.acceptedTokens == engine.stats.acceptedTokens, "seed \(seed)")
            if batched.ids != plain { differing += 1 }
        }
        #expect(differing > 0, "the draws are sampled, not the greedy answer")
    }

    @Test("answers that slide among others, speculating: the engine's tokens and slides")
    func slidesWithDrafts() async throws {
        let requests = Array(try BatchDecoderSlideTests.slidingRequests().prefix(2))
        var expected: [[Int32]] = []
        for request in requests { expected.append(try await BatchDecoderSlideTests.engineAnswer(request, as: .q4_0).0) }
        let decoder = try Self.decoder(.q4_0, model: "oracle/rope50", window: BatchDecoderSlideTests.window,
                                       speculation: .ngram(maxDrafts: 8))
        let results = try await Self.together(decoder, requests)
        for (index, result) in results.enumerated() {
            #expect(result.ids == expected[index], "request \(index)")
            #expect(result.stats.slides >= 2, "request \(index)")
        }
        #expect(results.reduce(0) { $0 + $1.stats.draftedTokens } > 0)
    }
}
