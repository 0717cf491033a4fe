import Foundation
import Testing
@testable import GLMEngine

/// Continuous batching keeps finished answers' caches (`PrefixPool`): a request that starts as an
/// earlier one did reads only what follows, answers as the oracle does, and the kept caches give way
/// to new answers within the budget.
@Suite("Generation: prefixes kept between batched answers", .serialized)
struct BatchDecoderPrefixTests {
    static func answer(_ decoder: BatchDecoder, _ prompt: [Int32], maxTokens: Int) async throws -> ([Int32], GenerationStats) {
        let tokens = BatchDecoderTests.Tokens()
        let request = GenerationRequest(prompt: prompt, sampling: .greedy, maxTokens: maxTokens, stopTokens: [])
        let (_, stats) = try await decoder.run(request) { tokens.take($0) }
        return (tokens.all, stats)
    }

    @Test("a continued conversation reads only its new tokens and answers as the oracle")
    func continuedConversation() async throws {
        let decoder = try BatchDecoderTests.decoder()
        let item = try #require(BatchDecoderTests.oracleCases().first)
        let greedy = item.greedyIDs
        try #require(greedy.count >= 16)

        let (first, firstStats) = try await Self.answer(decoder, item.inputIDs, maxTokens: 8)
        #expect(first == Array(greedy[0..<8]))
        #expect(firstStats.reusedTokens == 0)
        // The cache holds the prompt and the seven answer tokens that were fed (the eighth was not).
        #expect(decoder.prefixCacheBytes == (item.inputIDs.count + 7) * decoder.bytesPerPosition)

        let (second, secondStats) = try await Self.answer(decoder, item.inputIDs + first, maxTokens: 8)
        #expect(second == Array(greedy[8..<16]))
        #expect(secondStats.reusedTokens == item.inputIDs.count + 7)
        #expect(secondStats.promptTokens == item.inputIDs.count + 8)

        // Asked again (a retry): everything but the last prompt token comes from the cache.
        let (again, againStats) = try await Self.answer(decoder, item.inputIDs, maxTokens: 8)
        #expect(again == Array(greedy[0..<8]))
        #expect(againStats.reusedTokens == item.inputIDs.count - 1)
    }

    @Test("a prompt that shares only its beginning reuses that and answers as a fresh decoder does")
    func sharedBeginning() async throws {
        let cases = try BatchDecoderTests.oracleCases()
        let prompt = cases[0].inputIDs
        try #require(prompt.count >= 6)
        let shared = prompt.count - 3
        let other = Array(prompt[0..<shared]) + cases[1].inputIDs.suffix(4).map { $0 == prompt[shared] ? $0 + 1 : $0 }

        let fresh = try BatchDecoderTests.decoder()
        let (expected, freshStats) = try await Self.answer(fresh, other, maxTokens: 12)
        #expect(freshStats.reusedTokens == 0)

        let decoder = try BatchDecoderTests.decoder()
        _ = try await Self.answer(decoder, prompt, maxTokens: 12)
        let (reused, stats) = try await Self.answer(decoder, other, maxTokens: 12)
        #expect(stats.reusedTokens == shared)
        #expect(reused == expected)
    }

    @Test("kept prefixes give way to a new answer and the budget holds")
    func keptPrefixesGiveWay() async throws {
        let probe = try BatchDecoderTests.decoder()
        let cases = try BatchDecoderTests.oracleCases()
        let longest = cases.map(\.inputIDs.count).max() ?? 0
        // Room for one answer at a time: whatever is kept must go before the next one runs.
        let budget = (longest + 16) * probe.bytesPerPosition
        let kept = cases.map { ($0.inputIDs.count + 15) * probe.bytesPerPosition }
        try #require(kept.reduce(0, +) > budget, "the cases must not all fit, or nothing would be evicted")
        let decoder = try BatchDecoderTests.decoder(budget: budget)
        for (item, bytes) in zip(cases, kept) {
            let (answer, _) = try await Self.answer(decoder, item.inputIDs, maxTokens: 16)
            #expect(answer == item.greedyIDs, "\(item.name)")
            // The answer just finished is kept; older ones only as far as the budget allowed.
            #expect(decoder.prefixCacheBytes >= bytes && decoder.prefixCacheBytes <= budget)
            #expect(decoder.kvReservedBytes.peak <= budget)
        }
        #expect(decoder.prefixCacheBytes < kept.reduce(0, +))
        #expect(decoder.kvReservedBytes.now == decoder.prefixCacheBytes)
    }

    @Test("answers decoding together while others are kept still equal the oracle")
    func togetherWithKeptPrefixes() async throws {
        let decoder = try BatchDecoderTests.decoder(maxSequences: 3)
        let cases = try BatchDecoderTests.oracleCases()
        for round in 0..<2 {
            let answers = try await withThrowingTaskGroup(of: (Int, [Int32]).self) { group in
                for (index, item) in cases.enumerated() {
                    group.addTask { (index, try await Self.answer(decoder, item.inputIDs, maxTokens: 16).0) }
                }
                return try await group.reduce(into: [Int: [Int32]]()) { $0[$1.0] = $1.1 }
            }
            for (index, item) in cases.enumerated() { #expect(answers[index] == item.greedyIDs, "round \(round), \(item.name)") }
        }
    }
}

/// `KVCache.copyPrefix`: the copied positions read back as the source's, in every precision.
@Suite("Generation: copying a cache's prefix")
struct KVCachePrefixCopyTests {
    @Test("copied rows equal the source's", arguments: [KVPrecision.f32, .f16, .q8_0])
    func copiedRows(precision: KVPrecision) throws {
        let model = try OracleModelTests.load("tiny-chatglm3", as: .f32)
        let prompt = try #require(BatchDecoderTests.oracleCases().first).inputIDs
        let source = KVCache(config: model.config, maxPositions: 64, precision: precision)
        _ = model.forward(prompt, cache: source, logits: .none)
        let copy = KVCache(config: model.config, maxPositions: 32, precision: precision)
        _ = model.forward([5, 6, 7], cache: copy, logits: .none)
        let n = prompt.count - 2
        copy.copyPrefix(n, from: source)
        #expect(copy.count == n)
        for layer in 0..<model.config.numLayers {
            for position in [0, n / 2, n - 1] {
                #expect(copy.row(key: true, layer: layer, position: position) == source.row(key: true, layer: layer, position: position))
                #expect(copy.row(key: false, layer: layer, position: position) == source.row(key: false, layer: layer, position: position))
            }
        }
        copy.copyPrefix(0, from: source)
        #expect(copy.count == 0)
    }
}

/// The pool itself: which entry a prompt takes, what a new entry replaces, what goes first.
@Suite("Generation: the prefix pool")
struct PrefixPoolTests {
    static let config = KQuantModelFiles.config

    static func cache(_ count: Int) -> KVCache {
        let cache = KVCache(config: config, maxPositions: 64)
        cache.reserve(count)
        cache.advance(by: count)
        return cache
    }

    @Test("the longest shared prefix wins, and never the prompt's last token")
    func longestMatch() {
        var pool = PrefixPool(bytesPerPosition: 10)
        pool.keep(tokens: [1, 2, 3, 4], cache: Self.cache(4))
        pool.keep(tokens: [1, 2, 9], cache: Self.cache(3))
        #expect(pool.bestMatch(for: [1, 2, 3, 7])?.count == 3)
        #expect(pool.bestMatch(for: [1, 2, 9, 9, 9])?.count == 3)
        #expect(pool.bestMatch(for: [1, 2, 3, 4])?.count == 3)
        #expect(pool.bestMatch(for: [1]) == nil)
        #expect(pool.bestMatch(for: [5, 1, 2]) == nil)
    }

    @Test("an entry that extends another replaces it; a mismatched cache is not kept")
    func extending() {
        var pool = PrefixPool(bytesPerPosition: 10)
        pool.keep(tokens: [1, 2, 3], cache: Self.cache(3))
        pool.keep(tokens: [1, 2, 3, 4, 5], cache: Self.cache(5))
        #expect(pool.entries.map(\.tokens) == [[1, 2, 3, 4, 5]])
        pool.keep(tokens: [1, 2, 7], cache: Self.cache(3))
        #expect(pool.entries.count == 2)
        #expect(pool.bytes == 80)
        pool.keep(tokens: [4, 4], cache: Self.cache(3))
        #expect(pool.entries.count == 2)
    }

    @Test("the least recently used goes first, and no more than the cap are kept")
    func eviction() {
        var pool = PrefixPool(bytesPerPosition: 10, maxEntries: 3)
        pool.keep(tokens: [1, 1], cache: Self.cache(2))
        pool.keep(tokens: [2, 2], cache: Self.cache(2))
        pool.keep(tokens: [3, 3], cache: Self.cache(2))
        _ = pool.bestMatch(for: [1, 1, 0])
        pool.evict(toFit: 40)
        #expect(pool.entries.map(\.tokens) == [[1, 1], [3, 3]])
        pool.keep(tokens: [4, 4], cache: Self.cache(2))
        pool.keep(tokens: [5, 5], cache: Self.cache(2))
        #expect(pool.entries.map(\.tokens) == [[1, 1], [4, 4], [5, 5]])
        pool.evict(toFit: 0)
        #expect(pool.entries.isEmpty && pool.bytes == 0)
    }
}
