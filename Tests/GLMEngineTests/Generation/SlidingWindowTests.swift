import Foundation
import Testing
@testable import GLMEngine

@Suite("Generation: context window planning")
struct ContextWindowPlanTests {
    let tokens: [Int32] = Array(0..<40)
    // Prefix 0..<4, turns starting at 4, 10, 20, 30.
    let layout = PromptLayout(keepPrefix: 4, turnStarts: [4, 10, 20, 30])

    @Test("a sequence that fits is kept whole")
    func fits() throws {
        let plan = try #require(ContextWindow.plan(tokens, layout: layout, window: 50, free: 5))
        #expect(plan.kept == tokens)
        #expect(plan.droppedTokens == 0)
    }

    @Test("whole old turns go first, the prefix stays, the layout follows the shift")
    func wholeTurns() throws {
        // Budget 30: must drop to index 14 at least; the next boundary is 20.
        let plan = try #require(ContextWindow.plan(tokens, layout: layout, window: 32, free: 2))
        #expect(plan.kept == Array(0..<4) + Array(20..<40))
        #expect(plan.droppedTokens == 16)
        #expect(plan.droppedTurns == 2)
        #expect(plan.layout == PromptLayout(keepPrefix: 4, turnStarts: [4, 14]))
    }

    @Test("a last turn longer than the window is cut from its oldest end")
    func insideLastTurn() throws {
        let plan = try #require(ContextWindow.plan(tokens, layout: layout, window: 10, free: 1))
        #expect(plan.kept == Array(0..<4) + Array(35..<40))
        #expect(plan.droppedTurns == 4)
        #expect(plan.layout.turnStarts == [4])
    }

    @Test("a prefix that cannot fit gives no plan")
    func prefixTooLong() {
        #expect(ContextWindow.plan(tokens, layout: layout, window: 5, free: 1) == nil)
    }
}

/// Slides against the oracle: the `long` fixture's sliding cases are fresh runs (by GlmForCausalLM) over
/// `source[:P] + source[E:]`; a cache that slid from `source` to the same kept tokens must compute the
/// same logits, at the slide and for the 16 greedy steps after it.
@Suite("Generation: sliding window against the oracle")
struct SlidingOracleTests {
    struct SlideCase: Sendable, CustomTestStringConvertible {
        let name: String
        let source: [Int32]
        let keepPrefix: Int
        let kept: [Int32]
        let lastLogits: [Float]
        let greedy: [Int32]
        let stepLogits: [[Float]]
        var testDescription: String { name }
    }

    static let cases: [SlideCase] = {
        let path = Fixtures.root.appendingPathComponent("oracle/long/expected.json").path
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path)),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let raw = json["cases"] as? [[String: Any]] else { return [] }
        let byName = Dictionary(raw.compactMap { c in (c["name"] as? String).map { ($0, c) } }, uniquingKeysWith: { a, _ in a })
        let greedy = OracleModelTests.expected["oracle/long"] ?? []
        return raw.compactMap { c -> SlideCase? in
            guard c["kind"] as? String == "sliding", let name = c["name"] as? String,
                  let sourceName = c["source_case"] as? String, let source = byName[sourceName],
                  let keep = c["keep_prefix"] as? Int, let g = greedy.first(where: { $0.name == name }) else { return nil }
            let ids = ((source["input_ids"] as? [NSNumber]) ?? []).map { $0.int32Value }
            return SlideCase(name: name, source: ids, keepPrefix: keep, kept: g.inputIDs, lastLogits: g.lastLogits,
                             greedy: g.greedyIDs, stepLogits: g.stepLogits)
        }
    }()

    @Test("the fixture has its sliding cases")
    func present() { #expect(Self.cases.count == 3) }

    @Test("a prompt slid to the kept tokens computes the oracle's logits, then 16 greedy steps", arguments: cases)
    func slideMatchesFreshRun(_ c: SlideCase) throws {
        let model = try OracleModelTests.load("oracle/long")
        // A window with room for the kept tokens and the 16 steps; the slide frees exactly those 16 + 1.
        let sequence = CachedSequence(model: model, contextLimit: c.kept.count + 17)
        sequence.slideSlack = 17
        let layout = PromptLayout(keepPrefix: c.keepPrefix, turnStarts: [c.keepPrefix])
        let (logits, _, slide) = try sequence.prefill(c.source, layout: layout)
        #expect(sequence.tokens == c.kept)
        #expect(slide?.droppedTokens == c.source.count - c.kept.count)
        #expect(Fixtures.maxAbsDifference(logits, c.lastLogits) < 1e-4)
        var current = logits
        var worst: Float = 0
        for (step, token) in c.greedy.enumerated() {
            worst = max(worst, Fixtures.maxAbsDifference(current, c.stepLogits[step]))
            let next = try sequence.step(token)
            #expect(next.slide == nil)
            current = next.logits
        }
        #expect(worst < 1e-4, "\(c.name): max abs logit error after the slide \(worst)")
    }
}

/// The slide-equals-recompute property over many slides during generation: after every slide the
/// logits equal a fresh forward pass over the kept tokens at positions 0..n-1 (a fresh pass being
/// what the oracle tests pin to the reference).
@Suite("Generation: many slides stay exact")
struct ManySlidesTests {
    @Test("120 greedy tokens through a 48-token window", arguments: [PromptLayout.plain, PromptLayout(keepPrefix: 6, turnStarts: [6, 14])])
    func manySlides(layout: PromptLayout) async throws {
        let model = try OracleModelTests.load("oracle/rope50")
        let tokenizer = try Tokenizer(modelPath: Fixtures.tinyModel + "/tokenizer.model")
        let engine = InferenceEngine(model: model, tokenizer: tokenizer, kind: .chat, contextLimit: 48)
        let prompt = try #require(OracleModelTests.expected["oracle/rope50"]?.first?.inputIDs)
        let request = GenerationRequest(prompt: Array(prompt.prefix(30)), sampling: .greedy, maxTokens: 120,
                                        stopTokens: [], layout: layout, promptMaySlide: true,
                                        keepLogits: true, keepContexts: true)
        let fresh = try OracleModelTests.load("oracle/rope50")
        var slides = 0
        var worst: Float = 0
        var checked = 0
        var stats: GenerationStats?
        for try await event in engine.generate(request) {
            if case .contextSlid = event { slides += 1 }
            if case .finished(_, let final) = event { stats = final }
            guard case .token(let token) = event, let context = token.context, let logits = token.logits else { continue }
            #expect(context.count <= 48)
            #expect(Array(context.prefix(layout.keepPrefix)) == Array(prompt.prefix(layout.keepPrefix)))
            if checked % 7 == 0 || context.count < 30 {
                let recomputed = fresh.forward(context, cache: KVCache(config: fresh.config, maxPositions: 48), logits: .last)
                worst = max(worst, Fixtures.maxAbsDifference(logits, recomputed))
            }
            checked += 1
        }
        #expect(slides >= 4)
        #expect(checked == 120)
        // every slide read only the token that overflowed: the rest was read ahead (or, this greedy answer
        // repeating one token, sometimes already sat at the right positions of the main cache)
        #expect(stats?.slides == slides)
        #expect(stats?.rereadTokens == slides)
        #expect((stats?.readAheadTokens ?? 0) > 0)
        #expect((stats?.longestTokenGapSeconds ?? 0) > 0)
        #expect(worst < 1e-4, "max abs difference to a fresh pass over the kept tokens: \(worst)")
    }
}

/// What a listener sees when the window fills in the middle of an answer: the slide's notice first,
/// then the progress of reading the kept tail again, then the next token; and a cancel sent at the
/// notice ends the answer as cancelled, leaving a ledger that still describes the cache.
@Suite("Generation: slides mid-answer")
struct MidAnswerSlideTests {
    @Test("notice, then re-read progress, then tokens; a cancel at the notice stops cleanly")
    func noticeProgressAndCancel() async throws {
        let model = try OracleModelTests.load("oracle/rope50")
        let tokenizer = try Tokenizer(modelPath: Fixtures.tinyModel + "/tokenizer.model")
        let engine = InferenceEngine(model: model, tokenizer: tokenizer, kind: .chat, contextLimit: 48)
        let prompt = try #require(OracleModelTests.expected["oracle/rope50"]?.first?.inputIDs)
        let request = GenerationRequest(prompt: Array(prompt.prefix(30)), sampling: .greedy, maxTokens: 40,
                                        stopTokens: [], layout: .plain, promptMaySlide: true)
        var sawSlide = false, progressAfterSlide = 0, tokensBeforeSlide = 0
        for try await event in engine.generate(request) {
            switch event {
            case .contextSlid(let report):
                sawSlide = true
                #expect(report.rereadTokens > 0)
            case .promptProgress:
                if sawSlide { progressAfterSlide += 1 }
            case .token:
                if !sawSlide { tokensBeforeSlide += 1 }
            default: break
            }
        }
        #expect(sawSlide)
        #expect(tokensBeforeSlide == 48 - 30 + 1)   // the window fills, then the first slide
        #expect(progressAfterSlide >= 2, "the re-read reports its progress")

        // cancel as soon as the slide is announced: the answer ends as cancelled, the ledger matches the cache
        let second = InferenceEngine(model: try OracleModelTests.load("oracle/rope50"), tokenizer: tokenizer,
                                     kind: .chat, contextLimit: 48)
        // long enough that the engine is still generating when the consumer's cancel arrives
        var endless = request
        endless.maxTokens = 100_000
        var finished: FinishReason?
        for try await event in second.generate(endless) {
            if case .contextSlid = event { second.cancel() }
            if case .finished(let reason, _) = event { finished = reason }
        }
        #expect(finished == .cancelled)
        let cached = await second.cachedTokens
        #expect(cached.count <= 48)
        #expect(Array(cached.prefix(2)) == Array(prompt.prefix(2)))
    }
}
