import Foundation
import Testing
@testable import GLMEngine

/// The `shift` slide (no re-reading): the cache moves down and its keys turn back. Layer 0 then holds
/// exactly what a fresh run over the kept tokens puts there (up to rounding); later layers drift, and
/// that drift is measured here, not hidden.
@Suite("Generation: shift slides")
struct ShiftSlideTests {
    /// The rope50 oracle model behind a shift-sliding ledger, and its oracle prompt.
    static func shiftSequence(window: Int, slack: Int) throws -> (CachedSequence, prompt: [Int32]) {
        let prompt = try #require(OracleModelTests.expected["oracle/rope50"]?.first?.inputIDs)
        let sequence = CachedSequence(model: try OracleModelTests.load("oracle/rope50"), contextLimit: window)
        sequence.slidePolicy = .shift
        sequence.slideSlack = slack
        return (sequence, prompt)
    }

    @Test("a shift re-reads nothing, keeps the ledger right, and layer 0 equals a fresh run's cache")
    func layerZeroMatchesFreshRun() throws {
        let (sequence, prompt) = try Self.shiftSequence(window: 24, slack: 6)
        let model = sequence.model
        let layout = PromptLayout(keepPrefix: 4, turnStarts: [4])
        _ = try sequence.prefill(Array(prompt.prefix(24)), layout: layout)
        let before = sequence.tokens
        let next: Int32 = 7
        let (_, report) = try sequence.step(next)
        let slide = try #require(report)
        #expect(slide.rereadTokens == 0)
        // 25 tokens into 24 positions leaving 6 free: positions 4..<11 go
        #expect(slide.droppedTokens == 7)
        let kept = Array(before.prefix(4)) + Array(before[11...]) + [next]
        #expect(sequence.tokens == kept)
        #expect(sequence.cache.count == kept.count)

        let fresh = KVCache(config: model.config, maxPositions: 24)
        _ = model.forward(kept, cache: fresh, logits: .none)
        var keyError: Float = 0, valueError: Float = 0
        for position in 0..<kept.count {
            keyError = max(keyError, Fixtures.maxAbsDifference(sequence.cache.row(key: true, layer: 0, position: position),
                                                               fresh.row(key: true, layer: 0, position: position)))
            valueError = max(valueError, Fixtures.maxAbsDifference(sequence.cache.row(key: false, layer: 0, position: position),
                                                                   fresh.row(key: false, layer: 0, position: position)))
        }
        #expect(keyError < 1e-5, "layer-0 keys after turning back: \(keyError)")
        #expect(valueError < 1e-5, "values do not depend on position (batched and single products round apart)")
    }

    @Test("a prompt that overflows keeps the cached part it shares, shifted, and feeds only the rest")
    func prefillShiftReusesCache() throws {
        let (sequence, prompt) = try Self.shiftSequence(window: 32, slack: 4)
        let layout = PromptLayout(keepPrefix: 4, turnStarts: [4, 12, 20])
        _ = try sequence.prefill(Array(prompt.prefix(28)), layout: layout)
        var longer = Array(prompt.prefix(28))
        longer += [9, 10, 11, 12, 13, 14]  // a new turn: 34 tokens do not fit 32 - 4
        let extended = PromptLayout(keepPrefix: 4, turnStarts: [4, 12, 20, 28])
        let (_, reused, report) = try sequence.prefill(longer, layout: extended)
        let slide = try #require(report)
        #expect(slide.droppedTokens == 8)       // the turn 4..<12
        #expect(slide.rereadTokens == 0)
        #expect(reused == 28 - 8)                // everything cached after the cut was kept, not fed again
        #expect(sequence.tokens == Array(longer.prefix(4)) + Array(longer[12...]))
    }

    @Test("shift drifts from a fresh run; exact does not (the measured trade-off)")
    func driftIsMeasured() async throws {
        let prompt = try #require(OracleModelTests.expected["oracle/rope50"]?.first?.inputIDs)
        let tokenizer = try Tokenizer(modelPath: Fixtures.tinyModel + "/tokenizer.model")
        let fresh = try OracleModelTests.load("oracle/rope50")
        var worst: [SlidePolicy: Float] = [:]
        for policy in SlidePolicy.allCases {
            let model = try OracleModelTests.load("oracle/rope50")
            let engine = InferenceEngine(model: model, tokenizer: tokenizer, kind: .chat, contextLimit: 48,
                                         slidePolicy: policy)
            let request = GenerationRequest(prompt: Array(prompt.prefix(30)), sampling: .greedy, maxTokens: 60,
                                            stopTokens: [], layout: .plain, promptMaySlide: true,
                                            keepLogits: true, keepContexts: true)
            var slides = 0, reread = 0
            var error: Float = 0
            for try await event in engine.generate(request) {
                if case .contextSlid(let report) = event { slides += 1; reread += report.rereadTokens }
                guard case .token(let token) = event, let context = token.context, let logits = token.logits else { continue }
                #expect(context.count <= 48)
                let recomputed = fresh.forward(context, cache: KVCache(config: fresh.config, maxPositions: 48), logits: .last)
                error = max(error, Fixtures.maxAbsDifference(logits, recomputed))
            }
            #expect(slides >= 2)
            #expect(policy == .exact ? reread > 0 : reread == 0)
            #expect(error.isFinite)
            worst[policy] = error
        }
        print("max abs logit difference to a fresh run over the kept tokens: exact \(worst[.exact] ?? -1), shift \(worst[.shift] ?? -1)")
        #expect((worst[.exact] ?? 1) < 1e-4)
        #expect((worst[.shift] ?? 0) > 1e-4, "the tiny model has 2+ layers, so a shift cannot be exact")
    }
}
