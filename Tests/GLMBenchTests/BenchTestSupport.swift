import Foundation
import GLMBench
import GLMEngine

/// A small random model (written by `RandomModel`, the bench's own writer) with a 64-position
/// window, so that the bench's window clamping is exercised; Q4_0 matrices as the 6B bench uses.
enum BenchFixture {
    static let config = ModelConfig(numLayers: 2, hiddenSize: 64, numHeads: 4, headDim: 16, kvGroups: 2,
                                    ffnHiddenSize: 96, vocabRows: 1024, contextLength: 64)

    static func model(contextLength: Int = config.contextLength) throws -> GLMModel {
        try modelAndTokenizer(contextLength: contextLength).model
    }

    /// The model with the tokenizer of the vocabulary the writer embeds in the file.
    static func modelAndTokenizer(contextLength: Int = config.contextLength) throws -> (model: GLMModel, tokenizer: Tokenizer) {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("random-small-q4_0.gguf").path
        var config = config
        config.contextLength = contextLength
        try RandomModel.write(config: config, name: "random-small", type: .q4_0, to: path)
        let opened = try ModelFiles.open(path: path)
        let compute = ComputeContext(threads: 2)
        let weights = try GLMWeights.load(from: opened.checkpoint, config: opened.config, as: nil, source: path,
                                          threads: compute)
        return (GLMModel(weights: weights, compute: compute, maxBatch: 64), try opened.makeTokenizer(override: nil))
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("glmbench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
