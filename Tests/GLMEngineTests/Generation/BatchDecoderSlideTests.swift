import Foundation
import Testing
@testable import GLMEngine

/// An answer decoding among others that fills the window slides as the engine's exact slide does:
/// the same old turns go, the kept tail is read again, and the tokens equal the engine's.
@Suite("Generation: batched answers slide", .serialized)
struct BatchDecoderSlideTests {
    static let window = 48

    static func request(_ prompt: [Int32], layout: PromptLayout, maxTokens: Int) -> GenerationRequest {
        GenerationRequest(prompt: prompt, sampling: .greedy, maxTokens: maxTokens, stopTokens: [], layout: layout,
                          promptMaySlide: true)
    }

    /// The engine's answer (exact slides, read ahead) and its slide count.
    static func engineAnswer(_ request: GenerationRequest, as type: StorageType = .f32) async throws -> ([Int32], Int) {
        let model = try OracleModelTests.load("oracle/rope50", as: type)
        let tokenizer = try Tokenizer(modelPath: Fixtures.tinyModel + "/tokenizer.model")
        let engine = InferenceEngine(model: model, tokenizer: tokenizer, kind: .chat, contextLimit: window)
        var ids: [Int32] = []
        var slides = 0
        for try await event in engine.generate(request) {
            if case .token(let token) = event { ids.append(token.id) }
            if case .contextSlid = event { slides += 1 }
        }
        return (ids, slides)
    }

    final class Events: @unchecked Sendable {
        private let lock = NSLock()
        private var ids: [Int32] = []
        private var slid: [SlideReport] = []
        func take(_ event: GenerationEvent) {
            lock.withLock {
                if case .token(let token) = event { ids.append(token.id) }
                if case .contextSlid(let report) = event { slid.append(report) }
            }
        }
        var tokens: [Int32] { lock.withLock { ids } }
        var slides: [SlideReport] { lock.withLock { slid } }
    }

    /// Two answers that slide 4+ times (the second with turn boundaries) and a short one that never does.
    static func slidingRequests() throws -> [GenerationRequest] {
        let prompt = try #require(OracleModelTests.expected["oracle/rope50"]?.first?.inputIDs)
        return [
            request(Array(prompt.prefix(30)), layout: .plain, maxTokens: 120),
            request(Array(prompt.prefix(30)), layout: PromptLayout(keepPrefix: 6, turnStarts: [6, 14]), maxTokens: 100),
            request(Array(prompt.prefix(12)), layout: .plain, maxTokens: 20),
        ]
    }

    @Test("answers that fill the window slide among others and equal the engine's")
    func slidingAmongOthers() async throws {
        let requests = try Self.slidingRequests()
        var expected: [([Int32], Int)] = []
        for request in requests { expected.append(try await Self.engineAnswer(request)) }
        #expect(expected[0].1 >= 4 && expected[1].1 >= 4)

        let results = try await Self.batched(requests, readAheadRows: CachedSequence.defaultReadAheadRows).answers
        for (index, request) in requests.enumerated() {
            let (tokens, reason, stats, slides) = results[index]
            #expect(reason == .maxTokens)
            #expect(tokens == expected[index].0, "request \(index)")
            #expect(tokens.count == request.maxTokens)
            #expect(slides.count == expected[index].1, "request \(index): the engine slid \(expected[index].1) times")
            #expect(stats.slides == slides.count)
            #expect(stats.rereadTokens == slides.reduce(0) { $0 + $1.rereadTokens })
            for slide in slides {
                #expect(slide.droppedTokens > 0 && slide.rereadTokens > 0)
                #expect(request.layout.keepPrefix + slide.rereadTokens <= Self.window)
            }
        }
    }

    /// Runs `requests` together in a decoder of `budget` bytes reading `readAheadRows` a token ahead;
    /// each answer, with the decoder's peak KV reservation.
    static func batched(_ requests: [GenerationRequest], readAheadRows: Int,
                        budget: Int = 1 << 30) async throws -> (answers: [BatchDecoderSpeculationTests.Answer], peak: Int) {
        let model = try OracleModelTests.load("oracle/rope50")
        let tokenizer = try Tokenizer(modelPath: Fixtures.tinyModel + "/tokenizer.model")
        let decoder = BatchDecoder(model: model, tokenizer: tokenizer, contextWindow: window, maxSequences: 4,
                                   memoryBudgetBytes: budget, promptChunk: 8, readAheadRows: readAheadRows)
        let answers = try await BatchDecoderSpeculationTests.together(decoder, requests)
        #expect(decoder.counts.running == 0)
        return (answers, decoder.kvReservedBytes.peak)
    }

    @Test("the next slide's kept part is read ahead with each token, so a slide reads only the token that overflowed")
    func readAheadAmongOthers() async throws {
        let requests = try Self.slidingRequests()
        var expected: [[Int32]] = []
        for request in requests { expected.append(try await Self.engineAnswer(request).0) }
        let ahead = try await Self.batched(requests, readAheadRows: 1)
        let atSlides = try await Self.batched(requests, readAheadRows: 0)
        for (index, request) in requests.enumerated() {
            let (tokens, _, stats, slides) = ahead.answers[index]
            let (plainTokens, _, plainStats, plainSlides) = atSlides.answers[index]
            #expect(tokens == expected[index], "request \(index), read ahead")
            #expect(plainTokens == expected[index], "request \(index), read at the slides")
            #expect(plainStats.readAheadTokens == 0)
            guard index < 2 else {
                #expect(slides.isEmpty && stats.readAheadTokens == 0, "a short answer never reads ahead")
                continue
            }
            #expect(slides.count >= 4 && slides.count == plainSlides.count)
            #expect(stats.readAheadTokens == slides.reduce(0) { $0 + $1.readAheadTokens })
            // The first slide comes before the ledger reached the kept tail (the prompt filled most of the
            // window); every later one finds all but the token that overflowed read ahead (the prefix too).
            for (slide, plain) in zip(slides.dropFirst(), plainSlides.dropFirst()) {
                #expect(slide.rereadTokens == 1, "request \(index)")
                #expect(slide.readAheadTokens + 1 == request.layout.keepPrefix + plain.rereadTokens)
            }
        }
    }

    @Test("with no KV budget left for a read-ahead cache, the slide reads the kept tail and the budget holds")
    func readAheadRefusedByBudget() async throws {
        let prompt = try #require(OracleModelTests.expected["oracle/rope50"]?.first?.inputIDs)
        let request = Self.request(Array(prompt.prefix(30)), layout: .plain, maxTokens: 90)
        let expected = try await Self.engineAnswer(request).0
        let model = try OracleModelTests.load("oracle/rope50")
        let window = KVCache.bytes(config: model.config, positions: Self.window, precision: model.cachePrecision)
        let tight = try await Self.batched([request], readAheadRows: 1, budget: window)
        #expect(tight.answers[0].ids == expected)
        #expect(tight.answers[0].stats.slides >= 2 && tight.answers[0].stats.readAheadTokens == 0)
        #expect(tight.peak <= window)
        let roomy = try await Self.batched([request], readAheadRows: 1, budget: window * 3 / 2)
        #expect(roomy.answers[0].ids == expected)
        #expect(roomy.answers[0].stats.readAheadTokens > 0)
        #expect(roomy.peak <= window * 3 / 2)
    }
}
