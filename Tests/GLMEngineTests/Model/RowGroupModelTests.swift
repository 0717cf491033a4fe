import Foundation
import Testing
@testable import GLMEngine
@testable import GLMBench

/// A Q4_0 GGUF loaded for the AVX2 path: its multiplied matrices are packed in groups of eight rows
/// (`RowLayout.groupsOfEight`) and the model decodes as the same weights in f32 do.
@Suite("Model: Q4_0 in groups of eight rows", .serialized)
struct RowGroupModelTests {
    @Test("the AVX2 path packs every multiplied Q4_0 matrix, not the embedding, and decodes as f32 does",
          .enabled(if: KernelPath.avx2.isSupported, "needs a CPU with AVX2"))
    func packedModelDecodesAsF32() throws {
        let dir = try LoadingFixtures.temporaryDirectory()
        defer { LoadingFixtures.remove(dir) }
        let path = dir + "/q4_0.gguf"
        try KQuantModelFiles.write(KQuantModelFiles.config, to: path, successor: true) { _, shape in
            shape.count == 2 ? .q4_0 : .f32
        }
        let model = try KQuantModelFiles.load(path, compute: ComputeContext(threads: 2, path: .avx2))
        let w = model.weights
        #expect(w.embedding.layout == .rowMajor)
        #expect(w.output.layout == .groupsOfEight)
        #expect(w.layers.allSatisfy { [$0.qkv, $0.dense, $0.gateUp, $0.down].allSatisfy { $0.layout == .groupsOfEight } })
        #expect(!w.usesMappedMatrices, "packed matrices live in buffers of their own")
        let packed = [w.output] + w.layers.flatMap { [$0.qkv, $0.dense, $0.gateUp, $0.down] }
        let owners = Set(packed.map { ObjectIdentifier($0.owner) })
        #expect(owners.count == 1, "the small model's packed matrices share one slab of the arena")
        let reference = GLMModel(weights: QuantizedModelTests.dequantized(w), compute: model.compute)
        let (tokens, want, relative) = KQuantModelTests.greedy(model, reference)
        #expect(tokens == want)
        #expect(relative < KQuantModelTests.relativeBound, "worst logit difference is \(relative) of the spread")

        // the portable path reads the file in place, row by row, and agrees within rounding
        let rowMajor = try KQuantModelFiles.load(path, compute: ComputeContext(threads: 2, path: .portable))
        #expect(rowMajor.weights.output.layout == .rowMajor && rowMajor.weights.usesMappedMatrices)
        let (portableTokens, _, portableRelative) = KQuantModelTests.greedy(rowMajor, reference)
        #expect(portableTokens == want)
        #expect(portableRelative < KQuantModelTests.relativeBound)
    }
}
