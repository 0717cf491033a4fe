import Foundation
import Testing
@testable import GLMEngine

/// Every oracle model (the shipped tiny one and the GlmForCausalLM ones: rope_ratio 50, six layers,
/// 300-600 token sequences) against its expected.json, with f32 weights.
@Suite("Model: oracle fixtures, f32")
struct OracleModelTests {
    static let models = ["tiny-chatglm3", "oracle/rope50", "oracle/deep", "oracle/long"]

    struct Case: CustomTestStringConvertible, Sendable {
        let model: String
        let index: Int
        var testDescription: String { "\(model) #\(index)" }
    }

    /// Parsed once: the expected.json files are megabytes of logits.
    static let expected: [String: [Fixtures.GreedyCase]] = Dictionary(uniqueKeysWithValues: models.map { model in
        (model, (try? Fixtures.greedyCases(Fixtures.root.appendingPathComponent(model + "/expected.json").path)) ?? [])
    })

    static let allCases: [Case] = models.flatMap { model in
        (0..<(expected[model]?.count ?? 0)).map { Case(model: model, index: $0) }
    }

    static func load(_ model: String, as type: StorageType = .f32, cacheType: KVCacheType = .f16,
                     path: KernelPath = .best) throws -> GLMModel {
        let dir = Fixtures.root.appendingPathComponent(model).path
        let config = try ModelConfig.load(huggingFaceConfig: dir + "/config.json")
        let checkpoint = Checkpoint()
        try SafetensorsReader.read(path: dir + "/model.safetensors", into: checkpoint)
        let compute = ComputeContext(threads: 2, path: path)
        let weights = try GLMWeights.load(from: checkpoint, config: config, as: type, source: dir, threads: compute)
        return GLMModel(weights: weights, compute: compute, maxBatch: 64, cacheType: cacheType)
    }

    @Test("every fixture model has cases")
    func casesExist() {
        for model in Self.models {
            #expect(Self.allCases.contains { $0.model == model }, "\(model) has no cases")
        }
    }

    @Test("greedy ids exact, every step's logits within 1e-4", arguments: allCases)
    func greedy(_ c: Case) throws {
        let expected = try #require(Self.expected[c.model]?[c.index])
        let model = try Self.load(c.model)
        let cache = KVCache(config: model.config, maxPositions: model.config.contextLength)
        let vocab = model.config.vocabRows
        // All positions at once (in chunks of maxBatch), to check the batched path too.
        let all = model.forward(expected.inputIDs, cache: cache, logits: .all)
        let argmaxes = (0..<expected.inputIDs.count).map { Fixtures.argmax(all[($0 * vocab)..<(($0 + 1) * vocab)]) }
        #expect(argmaxes == expected.allPositionsArgmax, "\(c.model) \(expected.name): argmax per position")
        var logits = Array(all[((expected.inputIDs.count - 1) * vocab)...])
        #expect(Fixtures.maxAbsDifference(logits, expected.lastLogits) < 1e-4)
        var generated: [Int32] = []
        var worst: Float = 0
        for step in 0..<expected.greedyIDs.count {
            worst = max(worst, Fixtures.maxAbsDifference(logits, expected.stepLogits[step]))
            generated.append(Int32(Fixtures.argmax(logits[...])))
            logits = model.forward([expected.greedyIDs[step]], cache: cache, logits: .last)
        }
        #expect(generated == expected.greedyIDs, "\(c.model) \(expected.name)")
        #expect(worst < 1e-4, "\(c.model) \(expected.name): max abs logit error \(worst)")
    }
}
