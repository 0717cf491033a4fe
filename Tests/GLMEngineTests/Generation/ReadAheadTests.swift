import Foundation
import Testing
@testable import GLMEngine

/// Exact slides without the pause: the next slide's kept part is read into a second cache, a few rows
/// alongside each generated token, and takes the main cache's place when the window fills. Every check
/// is against a fresh forward pass over the kept tokens (the pass the oracle tests pin to the reference).
@Suite("Generation: exact slides read ahead")
struct ReadAheadTests {
    static func fresh(_ model: GLMModel, _ tokens: [Int32]) -> [Float] {
        let cache = KVCache(config: model.config, maxPositions: max(1, tokens.count), precision: model.cachePrecision)
        return model.forward(tokens, cache: cache, logits: .last)
    }

    /// The read-ahead mirrors the ledger: row i holds the ledger's token at the index it stands for.
    static func mirrorsLedger(_ sequence: CachedSequence) -> Bool {
        guard let ahead = sequence.readAhead else { return true }
        return ahead.cache.count == ahead.count && (0..<ahead.count).allSatisfy { i in
            let index = ahead.sourceIndex(i)
            return index < sequence.tokens.count && sequence.tokens[index] == ahead.tokens[i]
        }
    }

    /// An answer's tokens that never repeat the prompt's, so no slide can reuse the main cache by coincidence
    /// (a tiny random model's greedy answer soon repeats one token).
    static func answerToken(_ i: Int) -> Int32 { Int32(100 + (i * 389) % 900) }

    static func greedy(_ logits: [Float]) -> Int32 { Int32(Sampler.argmax(logits)) }

    static var prompt: [Int32] {
        get throws { try #require(OracleModelTests.expected["oracle/rope50"]?.first?.inputIDs) }
    }

    @Test("rows fed alongside a token leave its logits bit-identical and fill their own cache as a fresh run does",
          arguments: [StorageType.f32, .q4_0])
    func companionRows(type: StorageType) throws {
        let model = try OracleModelTests.load("tiny-chatglm3", as: type)
        let precision = KVPrecision.matching(model.weights.matrixType)
        let prompt: [Int32] = [64790, 64792, 30910, 54761, 31211, 55046, 54766, 36158, 31123, 30994]
        let companion: [Int32] = [64790, 64792, 790, 30951, 517, 30910, 30939, 30996]
        let tokenAlone = KVCache(config: model.config, maxPositions: 32, precision: precision)
        let tokenWithRows = KVCache(config: model.config, maxPositions: 32, precision: precision)
        let rows = KVCache(config: model.config, maxPositions: 32, precision: precision)
        _ = model.forward(prompt, cache: tokenAlone, logits: .none)
        _ = model.forward(prompt, cache: tokenWithRows, logits: .none)
        _ = model.forward(Array(companion.prefix(3)), cache: rows, logits: .none)

        var alone: [Float] = [], alongside: [Float] = []
        model.forwardToken(13, cache: tokenAlone, into: &alone)
        model.forwardToken(13, cache: tokenWithRows, alongside: companion[3..<6], in: rows, into: &alongside)
        #expect(alone == alongside)
        #expect(tokenWithRows.count == prompt.count + 1)
        #expect(rows.count == 6)

        // the companion cache now holds what a fresh run over its six tokens does: the next token sees the same
        var afterRows: [Float] = []
        model.forwardToken(companion[6], cache: rows, into: &afterRows)
        let expected = Self.fresh(model, Array(companion.prefix(7)))
        #expect(Fixtures.maxAbsDifference(afterRows, expected) < (type == .f32 ? 1e-5 : 1e-3))
    }

    /// An answer through a small window with slides, checking every slide's report and the logits after
    /// it against a fresh pass.
    static func generate(_ sequence: CachedSequence, prompt: [Int32], layout: PromptLayout, steps: Int,
                         check: (SlideReport) -> Void = { _ in }) throws -> (slides: Int, worst: Float, logits: [[Float]]) {
        let model = sequence.model
        var logits = try sequence.prefill(prompt, layout: layout).logits
        var slides = 0
        var worst: Float = 0
        var afterSlides: [[Float]] = []
        for step in 0..<steps {
            let slide = try sequence.step(Self.answerToken(step), into: &logits)
            #expect(sequence.cache.count == sequence.tokens.count)
            #expect(Self.mirrorsLedger(sequence))
            if let slide {
                slides += 1
                check(slide)
                worst = max(worst, Fixtures.maxAbsDifference(logits, Self.fresh(model, sequence.tokens)))
                afterSlides.append(logits)
            }
        }
        return (slides, worst, afterSlides)
    }

    @Test("each slide finds its kept tail already read and reads only the new token; logits stay exact",
          arguments: [PromptLayout.plain, PromptLayout(keepPrefix: 6, turnStarts: [6, 14])], [1, 2, 3])
    func slidesReadAhead(layout: PromptLayout, rowsPerToken: Int) throws {
        let model = try OracleModelTests.load("oracle/rope50")
        let sequence = CachedSequence(model: model, contextLimit: 48)
        sequence.readAheadRowsPerToken = rowsPerToken
        let run = try Self.generate(sequence, prompt: Array(try Self.prompt.prefix(30)), layout: layout, steps: 120) { slide in
            #expect(slide.readAheadTokens > layout.keepPrefix)
            #expect(slide.rereadTokens == 1, "only the token that overflowed the window is read at the slide")
        }
        #expect(run.slides >= 4)
        #expect(run.worst < 1e-4, "max abs difference to a fresh pass after a slide: \(run.worst)")

        // the same answer with nothing read ahead: each slide reads the whole kept tail, to the same logits
        let plain = CachedSequence(model: try OracleModelTests.load("oracle/rope50"), contextLimit: 48)
        plain.readAheadRowsPerToken = 0
        let reference = try Self.generate(plain, prompt: Array(try Self.prompt.prefix(30)), layout: layout, steps: 120) { slide in
            #expect(slide.readAheadTokens == 0)
            #expect(slide.rereadTokens > 10)
        }
        #expect(reference.slides == run.slides)
        for (a, b) in zip(reference.logits, run.logits) { #expect(Fixtures.maxAbsDifference(a, b) < 1e-4) }
    }

    @Test("cutting the ledger back (retry, edit) cuts the read-ahead with it; the slide stays exact")
    func truncationFollows() throws {
        let model = try OracleModelTests.load("oracle/rope50")
        let sequence = CachedSequence(model: model, contextLimit: 48)
        var logits = try sequence.prefill(Array(try Self.prompt.prefix(30)), layout: .plain).logits
        // on until the read-ahead has caught up with the ledger's last token
        func caughtUp() -> Bool {
            guard let ahead = sequence.readAhead, ahead.count > 8 else { return false }
            return ahead.sourceIndex(ahead.count - 1) == sequence.tokens.count - 1
        }
        var step = 0
        while !caughtUp() {
            _ = try sequence.step(Self.answerToken(step), into: &logits)
            step += 1
            try #require(sequence.tokens.count < 48, "the read-ahead catches up before the window is full")
        }
        let before = sequence.readAheadCount
        sequence.truncate(to: sequence.tokens.count - 4)
        #expect(sequence.readAheadCount == before - 4)
        #expect(Self.mirrorsLedger(sequence))
        // a different continuation, as after /retry, then on through the slide
        logits = try sequence.prefill(sequence.tokens + [5, 6], layout: .plain).logits
        var slid: SlideReport?
        while slid == nil {
            slid = try sequence.step(Self.greedy(logits), into: &logits)
        }
        #expect((slid?.readAheadTokens ?? 0) > 0)
        #expect(Self.mirrorsLedger(sequence))
        #expect(Fixtures.maxAbsDifference(logits, Self.fresh(model, sequence.tokens)) < 1e-4)
    }

    @Test("a new turn that moves the next slide's cut makes the read-ahead aim again; the slide stays exact")
    func layoutChangeRetargets() throws {
        let model = try OracleModelTests.load("oracle/rope50")
        let sequence = CachedSequence(model: model, contextLimit: 48)
        let first = Array(try Self.prompt.prefix(30))
        var logits = try sequence.prefill(first, layout: PromptLayout(keepPrefix: 4, turnStarts: [4])).logits
        while sequence.readAheadCount < 8 {
            _ = try sequence.step(Self.greedy(logits), into: &logits)
        }
        let aimedAt = try #require(sequence.readAhead?.tailStart)
        // a turn starting now lies past the planned cut (24 free of 48 with a 4-token prefix cut at 29 or
        // later), so the cut moves to it
        let turn = sequence.tokens.count
        #expect(turn > aimedAt)
        logits = try sequence.prefill(sequence.tokens + [31, 32], layout: PromptLayout(keepPrefix: 4, turnStarts: [4, turn])).logits
        var slid: SlideReport?
        var step = 0
        while slid == nil {
            slid = try sequence.step(Self.answerToken(step), into: &logits)
            step += 1
            #expect(Self.mirrorsLedger(sequence))
            if slid == nil, let ahead = sequence.readAhead, ahead.isReading { #expect(ahead.tailStart == turn) }
        }
        #expect((slid?.readAheadTokens ?? 0) > 4)
        #expect(Array(sequence.tokens.prefix(4)) == Array(first.prefix(4)))
        #expect(sequence.layout.turnStarts.contains(4))
        #expect(Fixtures.maxAbsDifference(logits, Self.fresh(model, sequence.tokens)) < 1e-4)
    }

    @Test("a prompt that overflows the window takes the read-ahead when it keeps the same tail")
    func promptSlideAdopts() throws {
        let model = try OracleModelTests.load("oracle/rope50")
        let sequence = CachedSequence(model: model, contextLimit: 48)
        // turns at 4 and 30: a slide at 49 tokens must cut at 27 or later, so it keeps the turn from 30
        let layout = PromptLayout(keepPrefix: 4, turnStarts: [4, 30])
        var logits = try sequence.prefill(Array(try Self.prompt.prefix(34)), layout: layout).logits
        while sequence.tokens.count < 46 {
            _ = try sequence.step(Self.greedy(logits), into: &logits)
        }
        #expect(sequence.readAheadCount > 4)
        let read = sequence.readAheadCount
        // a new 4-token turn: 50 tokens, the cut must be at 30 or later, and the turn at 30 is the first
        let next = sequence.tokens + [40, 41, 42, 43]
        let (promptLogits, _, report) = try sequence.prefill(next, layout: PromptLayout(keepPrefix: 4, turnStarts: [4, 30, 46]))
        let slide = try #require(report)
        #expect(slide.readAheadTokens == read)
        #expect(slide.rereadTokens == next.count - 30 + 4 - read)
        #expect(sequence.tokens == Array(next.prefix(4)) + Array(next[30...]))
        #expect(Fixtures.maxAbsDifference(promptLogits, Self.fresh(model, sequence.tokens)) < 1e-4)
    }
}
