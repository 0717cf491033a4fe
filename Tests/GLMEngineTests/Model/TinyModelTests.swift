import Foundation
import Testing
@testable import GLMEngine

@Suite("Model: tiny ChatGLM3 against the original code")
struct TinyModelTests {
    static let cases: [Fixtures.GreedyCase] = {
        (try? Fixtures.greedyCases(Fixtures.tinyModel + "/expected.json")) ?? []
    }()

    func loadModel(_ type: StorageType) throws -> GLMModel {
        let config = try ModelConfig.load(huggingFaceConfig: Fixtures.tinyModel + "/config.json")
        let checkpoint = Checkpoint()
        try SafetensorsReader.read(path: Fixtures.tinyModel + "/model.safetensors", into: checkpoint)
        let compute = ComputeContext(threads: 2)
        let weights = try GLMWeights.load(from: checkpoint, config: config, as: type, source: Fixtures.tinyModel,
                                          threads: compute)
        return GLMModel(weights: weights, compute: compute)
    }

    @Test("fixture has its six cases")
    func fixtureLoads() {
        #expect(Self.cases.count == 6)
    }

    @Test("f32: every greedy token equal, every step's logits within 1e-4", arguments: 0..<6)
    func greedyF32(caseIndex: Int) throws {
        let expected = try #require(Self.cases.count > caseIndex ? Self.cases[caseIndex] : nil)
        let model = try loadModel(.f32)
        let cache = KVCache(config: model.config, maxPositions: model.config.contextLength)
        var logits = model.forward(expected.inputIDs, cache: cache, logits: .last)
        var generated: [Int32] = []
        var worst: Float = 0
        for step in 0..<expected.greedyIDs.count {
            worst = max(worst, Fixtures.maxAbsDifference(logits, expected.stepLogits[step]))
            let next = Int32(Fixtures.argmax(logits[...]))
            generated.append(next)
            logits = model.forward([expected.greedyIDs[step]], cache: cache, logits: .last)
        }
        #expect(generated == expected.greedyIDs, "\(expected.name)")
        #expect(worst < 1e-4, "\(expected.name): max abs logit error \(worst)")
    }

    @Test("f32: the argmax at every prompt position matches", arguments: 0..<6)
    func allPositions(caseIndex: Int) throws {
        let expected = try #require(Self.cases.count > caseIndex ? Self.cases[caseIndex] : nil)
        let model = try loadModel(.f32)
        let cache = KVCache(config: model.config, maxPositions: model.config.contextLength)
        let logits = model.forward(expected.inputIDs, cache: cache, logits: .all)
        let vocab = model.config.vocabRows
        let argmaxes = (0..<expected.inputIDs.count).map { Fixtures.argmax(logits[($0 * vocab)..<(($0 + 1) * vocab)]) }
        #expect(argmaxes == expected.allPositionsArgmax)
    }
}
