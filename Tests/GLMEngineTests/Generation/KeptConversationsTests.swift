import Foundation
import Testing
@testable import GLMEngine

/// The engine keeps other conversations' caches (`CachedSequence.keptConversationBytes`): two users
/// taking turns on one engine each read only what they added since their last request, and get the
/// answers a fresh engine gives.
@Suite("Generation: conversations kept for their next request", .serialized)
struct KeptConversationsTests {
    static func engine(keptPositions: Int) throws -> InferenceEngine {
        let model = try OracleModelTests.load("tiny-chatglm3", as: .f32)
        let tokenizer = try Tokenizer(modelPath: Fixtures.tinyModel + "/tokenizer.model")
        let bytes = keptPositions * KVCache.bytes(config: model.config, positions: 1, precision: model.cachePrecision)
        return InferenceEngine(model: model, tokenizer: tokenizer, kind: .chat, contextLimit: 512, keptConversationBytes: bytes)
    }

    static func answer(_ engine: InferenceEngine, _ prompt: [Int32]) async throws -> ([Int32], GenerationStats) {
        let request = GenerationRequest(prompt: prompt, sampling: .greedy, maxTokens: 8, stopTokens: [])
        var ids: [Int32] = []
        var stats = GenerationStats()
        for try await event in engine.generate(request) {
            if case .token(let token) = event { ids.append(token.id) }
            if case .finished(_, let final) = event { stats = final }
        }
        return (ids, stats)
    }

    /// Two conversations that differ after `[gMASK] sop`, each longer than the tokens worth keeping.
    static func prompts() throws -> ([Int32], [Int32], [Int32]) {
        let cases = try BatchDecoderTests.oracleCases().map(\.inputIDs)
        try #require(cases.count >= 3)
        let a = cases[0] + cases[1].dropFirst(2) + cases[2].dropFirst(2)
        let b = Array(cases[0].prefix(2)) + cases[2].dropFirst(2) + cases[1].dropFirst(2) + cases[0].dropFirst(2)
        try #require(a.count > CachedSequence.tokensWorthKeeping + 8 && b.count > CachedSequence.tokensWorthKeeping + 8)
        try #require(a[2] != b[2])
        return (a, b, Array(cases[1].suffix(6)))
    }

    @Test("two conversations taking turns each read only their new tokens and answer as a fresh engine")
    func takingTurns() async throws {
        let (a, b, more) = try Self.prompts()
        let engine = try Self.engine(keptPositions: 4096)
        let (a1, _) = try await Self.answer(engine, a)
        let (b1, _) = try await Self.answer(engine, b)
        let aNext = a + a1 + more, bNext = b + b1 + more
        let (a2, a2Stats) = try await Self.answer(engine, aNext)
        let (b2, b2Stats) = try await Self.answer(engine, bNext)
        // The cache held the other conversation each time: what was reused came from the kept one.
        #expect(a2Stats.reusedTokens >= a.count + a1.count - 1)
        #expect(b2Stats.reusedTokens >= b.count + b1.count - 1)

        for (prompt, answer) in [(aNext, a2), (bNext, b2)] {
            let fresh = try Self.engine(keptPositions: 0)
            #expect(try await Self.answer(fresh, prompt).0 == answer)
        }
    }

    @Test("a slide during an answer keeps nothing: it is the same conversation")
    func slidesKeepNothing() async throws {
        let model = try OracleModelTests.load("tiny-chatglm3", as: .f32)
        let sequence = CachedSequence(model: model, contextLimit: 160)
        sequence.keptConversationBytes = 1 << 30
        sequence.readAheadRowsPerToken = 0
        let prompt = try #require(BatchDecoderTests.oracleCases().first).inputIDs
        var (logits, _, _) = try sequence.prefill(prompt)
        var slides = 0
        for _ in 0..<300 {
            let token = Int32(logits.indices.max { logits[$0] < logits[$1] } ?? 0)
            let step = try sequence.step(token)
            if step.slide != nil { slides += 1 }
            logits = step.logits
        }
        #expect(slides >= 2)
        #expect(sequence.keptConversationCount == 0)
    }

    @Test("without room to keep them, a conversation that comes back is read whole")
    func noRoom() async throws {
        let (a, b, more) = try Self.prompts()
        for positions in [0, 16] {
            let engine = try Self.engine(keptPositions: positions)
            let (a1, _) = try await Self.answer(engine, a)
            _ = try await Self.answer(engine, b)
            let (_, stats) = try await Self.answer(engine, a + a1 + more)
            #expect(stats.reusedTokens == 2, "kept positions \(positions)")
        }
    }
}
