import Foundation
import Testing
@testable import GLMEngine

/// Whole models in the GGUF types beyond Q4_0 / Q8_0, against the same weights decoded to f32 first:
/// the only difference is the 8-bit activations the integer kernels use (as ggml does). One model at a
/// time: each has its own two compute threads, and ten at once on two cores mostly wait for each other.
@Suite("Model: k-quant and other GGUF types", .serialized)
struct KQuantModelTests {
    static let prompt: [Int32] = [5, 17, 300, 42, 7, 260, 99, 1]

    /// Feeds the prompt (the batched path), then 16 tokens one at a time (the single-token path), the
    /// f32 model's greedy choices to both, so one close call cannot send them down different paths.
    /// Returns the worst logit difference, and for each step the two argmaxes and the f32 margin.
    static func teacherForced(_ model: GLMModel, with reference: GLMModel) -> (worst: Float, steps: [(Int, Int, Float)]) {
        let cacheA = KVCache(config: model.config, maxPositions: 64)
        let cacheB = KVCache(config: model.config, maxPositions: 64)
        var a = model.forward(prompt, cache: cacheA, logits: .last)
        var b = reference.forward(prompt, cache: cacheB, logits: .last)
        var worst: Float = 0
        var steps: [(Int, Int, Float)] = []
        for _ in 0..<16 {
            worst = max(worst, Fixtures.maxAbsDifference(a, b))
            let chosen = Fixtures.argmax(b[...])
            let runnerUp = b.indices.filter { $0 != chosen }.map { b[$0] }.max() ?? b[chosen]
            steps.append((Fixtures.argmax(a[...]), chosen, b[chosen] - runnerUp))
            a = model.forward([Int32(chosen)], cache: cacheA, logits: .last)
            b = reference.forward([Int32(chosen)], cache: cacheB, logits: .last)
        }
        return (worst, steps)
    }

    /// Free-running greedy decoding from the prompt (the batched path) for 16 tokens (the single-token
    /// path), the k-quant model and the same weights decoded to f32 each choosing for itself; returns
    /// both token sequences and the worst logit difference (while the two agree) relative to the
    /// spread of the f32 logits.
    static func greedy(_ model: GLMModel, _ reference: GLMModel) -> (tokens: [Int], want: [Int], relative: Float) {
        let cacheA = KVCache(config: model.config, maxPositions: 64)
        let cacheB = KVCache(config: model.config, maxPositions: 64)
        var a = model.forward(prompt, cache: cacheA, logits: .last)
        var b = reference.forward(prompt, cache: cacheB, logits: .last)
        var tokens: [Int] = [], want: [Int] = []
        var relative: Float = 0
        for _ in 0..<16 {
            let mean = b.reduce(0, +) / Float(b.count)
            let spread = (b.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(b.count)).squareRoot()
            if tokens == want { relative = max(relative, Fixtures.maxAbsDifference(a, b) / spread) }
            tokens.append(Fixtures.argmax(a[...]))
            want.append(Fixtures.argmax(b[...]))
            a = model.forward([Int32(tokens.last ?? 0)], cache: cacheA, logits: .last)
            b = reference.forward([Int32(want.last ?? 0)], cache: cacheB, logits: .last)
        }
        return (tokens, want, relative)
    }

    /// Bound on the worst logit difference over the spread (standard deviation) of the f32 logits.
    /// Measured 0.015 to 0.043 over the ten types (8-bit activations through two random layers); a
    /// wrong kernel moves logits by about their whole spread.
    static let relativeBound: Float = 0.1

    @Test("a small model in each type: the same greedy tokens as decoding to f32 first, logits close",
          arguments: RandomBlocks.kquantTypes)
    func sameTokensAsDequantized(_ type: StorageType) throws {
        let dir = try LoadingFixtures.temporaryDirectory()
        defer { LoadingFixtures.remove(dir) }
        let path = dir + "/\(type.rawValue).gguf"
        try KQuantModelFiles.write(KQuantModelFiles.config, to: path, successor: true) { _, shape in shape.count == 2 ? type : .f32 }
        let model = try KQuantModelFiles.load(path)
        #expect(model.weights.layers.allSatisfy { $0.gateUp.type == type && $0.down.type == type })
        #expect(model.weights.usesMappedMatrices, "\(type) matrices are used in place from the mapping")
        let reference = GLMModel(weights: QuantizedModelTests.dequantized(model.weights), compute: model.compute)
        let (tokens, want, relative) = Self.greedy(model, reference)
        print("\(type): greedy \(tokens); worst logit difference / f32 logit spread \(relative)")
        #expect(tokens == want)
        #expect(relative < Self.relativeBound, "\(type): worst logit difference is \(relative) of the spread")
    }

    @Test("a file mixed as llama.cpp's Q4_K_M loads in place and runs")
    func mixedQ4KM() throws {
        let dir = try LoadingFixtures.temporaryDirectory()
        defer { LoadingFixtures.remove(dir) }
        let path = dir + "/mixed.gguf"
        let config = KQuantModelFiles.mixedConfig
        try KQuantModelFiles.write(config, to: path) { name, shape in
            KQuantModelFiles.q4KMType(ggufName: name, shape: shape, layers: config.numLayers)
        }
        let model = try KQuantModelFiles.load(path)
        let w = model.weights
        #expect(w.embedding.type == .q4_K && w.output.type == .q6_K)
        #expect(w.layers.map(\.qkv.type) == [.q4_K, .q4_K, .q6_K])
        #expect(w.layers.map(\.down.type) == [.q5_0, .q5_0, .q8_0])
        #expect(w.layers.allSatisfy { $0.gateUp.type == .q4_K && $0.dense.type == .q4_K })
        #expect(w.usesMappedMatrices)
        let reference = GLMModel(weights: QuantizedModelTests.dequantized(w), compute: model.compute)
        let (worst, steps) = Self.teacherForced(model, with: reference)
        print("mixed Q4_K_M: max abs logit difference from f32 maths \(worst)")
        #expect(worst < 0.25, "measured 0.11")
        for (step, (got, want, margin)) in steps.enumerated() where margin > 2 * worst {
            #expect(got == want, "step \(step): token \(got) vs \(want) (margin \(margin))")
        }
    }
}
