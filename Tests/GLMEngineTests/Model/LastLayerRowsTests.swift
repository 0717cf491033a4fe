import Testing
@testable import GLMEngine

/// The last layer's attention, dense and MLP run only for the rows whose logits are asked for: the
/// other rows stop once their keys and values are stored. What later passes read (the cache) and the
/// logits asked for must not change.
@Suite("Model: rows without logits stop at the last layer")
struct LastLayerRowsTests {
    @Test("a prompt read for its last logits, or for none, leaves the cache of a pass over every row; the last logits match the oracle",
          arguments: OracleModelTests.models)
    func promptRows(_ name: String) throws {
        let expected = try #require(OracleModelTests.expected[name]?.first)
        let model = try OracleModelTests.load(name)
        let c = model.config
        func read(_ request: LogitsRequest) -> (logits: [Float], cache: KVCache) {
            let cache = KVCache(config: c, maxPositions: expected.inputIDs.count)
            return (model.forward(expected.inputIDs, cache: cache, logits: request), cache)
        }
        let all = read(.all), last = read(.last), none = read(.none)
        #expect(none.logits.isEmpty && last.logits.count == c.vocabRows)
        #expect(Fixtures.maxAbsDifference(last.logits, expected.lastLogits) < 1e-4)
        #expect(Fixtures.maxAbsDifference(last.logits, Array(all.logits.suffix(c.vocabRows))) < 1e-5)
        for layer in 0..<c.numLayers {
            for position in 0..<expected.inputIDs.count {
                for key in [true, false] {
                    let row = all.cache.row(key: key, layer: layer, position: position)
                    #expect(last.cache.row(key: key, layer: layer, position: position) == row)
                    #expect(none.cache.row(key: key, layer: layer, position: position) == row)
                }
            }
        }
    }

    @Test("a batch whose logits rows span two sequences after a prompt chunk: each as its token alone (Q4_0, bit for bit)")
    func rowsAcrossSequences() throws {
        let model = try OracleModelTests.load("oracle/rope50", as: .q4_0)
        let prompt = try #require(OracleModelTests.expected["oracle/rope50"]?.first?.inputIDs)
        let c = model.config
        let caches = (0..<3).map { _ in KVCache(config: c, maxPositions: 64) }
        for (index, cache) in caches.enumerated() { _ = model.forward(Array(prompt.prefix(10 + index)), cache: cache, logits: .none) }
        let alone = caches.suffix(2).map { cache -> KVCache in
            let copy = KVCache(config: c, maxPositions: 64)
            copy.copyPrefix(cache.count, from: cache)
            return copy
        }
        var batched: [Float] = []
        model.forward([(prompt[20..<25], caches[0]), (prompt[30..<31], caches[1]), (prompt[31..<32], caches[2])],
                      logitsOfLast: 2, into: &batched)
        var one: [Float] = [], two: [Float] = []
        model.forwardToken(prompt[30], cache: alone[0], into: &one)
        model.forwardToken(prompt[31], cache: alone[1], into: &two)
        #expect(batched == one + two)
        #expect(caches[0].count == 15 && caches[1].count == 12 && caches[2].count == 13)
    }
}
