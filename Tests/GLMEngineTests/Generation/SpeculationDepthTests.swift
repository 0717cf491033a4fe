import Foundation
import GLMBench
import Testing
@testable import GLMEngine

/// Past 4096 cached positions attention cuts a row into ranges merged after. It cuts by the row's own
/// positions, in a batch as alone, so a verification pass there (or one that crosses 4096) gives the
/// logits and cache that feeding its tokens one at a time gives, and drafts are not held back by depth.
@Suite("Generation: speculation past 4096 positions", .serialized)
struct SpeculationDepthTests {
    /// The tiny model with Q4_0 weights and an 8192-position window (its fixture says 512).
    static func longWindowModel() throws -> GLMModel {
        let directory = Fixtures.root.appendingPathComponent("tiny-chatglm3").path
        var config = try ModelConfig.load(huggingFaceConfig: directory + "/config.json")
        config.contextLength = 8192
        let checkpoint = Checkpoint()
        try SafetensorsReader.read(path: directory + "/model.safetensors", into: checkpoint)
        let compute = ComputeContext(threads: 2)
        let weights = try GLMWeights.load(from: checkpoint, config: config, as: .q4_0, source: directory, threads: compute)
        return GLMModel(weights: weights, compute: compute, maxBatch: 64)
    }

    @Test("a pass of a token and eight drafts equals nine single steps, past 4096 and across it",
          arguments: [4200, 4090])
    func verifyEqualsSteps(depth: Int) throws {
        let model = try Self.longWindowModel()
        #expect(model.exactDraftRoom(wanted: 8) == 8, "depth does not limit the drafts")
        // two caches with the same random rows, as if the same long conversation had been read
        let stepped = KVCache(config: model.config, maxPositions: 8192, precision: model.cachePrecision)
        let verified = KVCache(config: model.config, maxPositions: 8192, precision: model.cachePrecision)
        stepped.fillWithRandomRows(upTo: depth, seed: 3)
        verified.fillWithRandomRows(upTo: depth, seed: 3)
        let batch: [Int32] = [411, 97, 803, 97, 411, 250, 640, 33, 902]
        let rows = model.forward(batch, cache: verified, logits: .all)
        // The last layer's attention output, before the int8 activations of the next product could
        // hide a difference in its last bits.
        let width = model.config.qDim
        let attention = Array(UnsafeBufferPointer(start: model.scratch.attention, count: batch.count * width))
        let vocab = model.config.vocabRows
        var one: [Float] = []
        for (index, token) in batch.enumerated() {
            model.forwardToken(token, cache: stepped, into: &one)
            #expect(Array(rows[(index * vocab)..<((index + 1) * vocab)]) == one, "row \(index) at depth \(depth)")
            #expect(Array(attention[(index * width)..<((index + 1) * width)])
                    == Array(UnsafeBufferPointer(start: model.scratch.attention, count: width)), "row \(index) at depth \(depth)")
        }
        for layer in 0..<model.config.numLayers {
            for position in depth..<(depth + batch.count) {
                #expect(verified.row(key: true, layer: layer, position: position) == stepped.row(key: true, layer: layer, position: position))
                #expect(verified.row(key: false, layer: layer, position: position) == stepped.row(key: false, layer: layer, position: position))
            }
        }
    }
}
