import Foundation
@testable import GLMEngine
@testable import GLMBench

/// Small ChatGLM3 GGUF files whose matrices are random blocks of chosen types, written through
/// glmchat's own GGUF writer with llama.cpp's metadata and tensor names.
enum KQuantModelFiles {
    /// 256-multiple rows everywhere, so every type fits every matrix.
    static let config = ModelConfig(numLayers: 2, hiddenSize: 256, numHeads: 4, headDim: 64, kvGroups: 2,
                                    ffnHiddenSize: 512, vocabRows: 512, contextLength: 512)
    /// Three layers and an FFN width (416) that is not a multiple of 256, as 13696 is not.
    static let mixedConfig = ModelConfig(numLayers: 3, hiddenSize: 256, numHeads: 4, headDim: 64, kvGroups: 2,
                                         ffnHiddenSize: 416, vocabRows: 512, contextLength: 512)

    /// llama.cpp's `use_more_bits`: the first and last eighth of the layers and every third between.
    static func usesMoreBits(_ layer: Int, of layers: Int) -> Bool {
        layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2
    }

    /// The type llama.cpp's quantizer (llama-quant.cpp, LLAMA_FTYPE_MOSTLY_Q4_K_M) gives each ChatGLM
    /// tensor: q6_K for `output`; for `attn_qkv` (an attn_v-like tensor) and `ffn_down` q6_K in the
    /// layers `usesMoreBits` picks, else q4_K; q4_K for the rest; and where a row is not whole
    /// 256-element blocks, its fallback (q4_K -> q5_0, q6_K -> q8_0).
    static func q4KMType(ggufName name: String, shape: [Int], layers: Int) -> StorageType {
        guard shape.count == 2 else { return .f32 }
        var type = StorageType.q4_K
        if name == "output.weight" {
            type = .q6_K
        } else if name.hasSuffix("attn_qkv.weight") || name.hasSuffix("ffn_down.weight") {
            let layer = Int(name.split(separator: ".")[1]) ?? 0
            if usesMoreBits(layer, of: layers) { type = .q6_K }
        }
        if shape[1] % 256 != 0 { type = type == .q6_K ? .q8_0 : .q5_0 }
        return type
    }

    /// Writes the model with `type(ggufName, shape)` per tensor (vectors stay f32).
    /// `successor` gives the embedding rows a weight comparable to what the layers add and makes
    /// output row j the embedding row of token j - 1 (same type): the model then favours, by a wide
    /// margin, the token after the one it was fed, whatever its random layers add, so its greedy
    /// choices do not hang on rounding.
    static func write(_ config: ModelConfig, to path: String, seed: UInt64 = 7, successor: Bool = false,
                      type: (_ name: String, _ shape: [Int]) -> StorageType) throws {
        let vocabulary = RandomModel.syntheticVocabulary(rows: config.vocabRows)
        var metadata = try ChatGLMGGUF.metadata(config: config, name: "kquant-test", fileType: .q4_K,
                                                vocabulary: vocabulary, path: path)
        metadata[ChatGLMGGUF.sentencePieceModelKey] = nil  // token ids only; no tokenizer is made up
        var sources: [GGUFTensorSource] = []
        let embeddingSeed = seed
        let embeddingType = type("token_embd.weight", [config.vocabRows, config.hiddenSize])
        func matrix(_ shape: [Int], _ stored: StorageType, _ seed: UInt64, scale: Float) -> [UInt8] {
            stored.isBlockQuantized
                ? RandomBlocks.bytes(rows: shape[0], cols: shape[1], type: stored, seed: seed, scale: scale)
                : RandomModel.randomMatrixBytes(rows: shape[0], cols: shape[1], type: stored, seed: seed)
        }
        for (index, entry) in TensorNames.expectedShapes(config).enumerated() {
            guard let name = TensorNames.ggufName(forHuggingFace: entry.name) else { continue }
            let shape = entry.shape
            let stored = type(name, shape)
            let tensorSeed = seed &+ UInt64(index + 1) &* 0x9E37_79B9
            let isNorm = entry.name.hasSuffix("layernorm.weight")
            let standard = 1.7 / Float(shape.last ?? 1).squareRoot()
            sources.append(GGUFTensorSource(name: name, shape: shape, type: stored) {
                switch name {
                case _ where shape.count == 1:
                    return RandomModel.randomVectorBytes(count: shape[0], isNorm: isNorm, seed: tensorSeed)
                case "token_embd.weight":
                    return matrix(shape, stored, embeddingSeed, scale: successor ? 8 : standard)
                case "output.weight" where successor:
                    precondition(stored == embeddingType, "the successor model shares the embedding's blocks")
                    let rows = matrix(shape, stored, embeddingSeed, scale: 8)
                    let rowBytes = stored.byteCount(elements: shape[1])
                    return Array(rows.suffix(rowBytes) + rows.prefix(rows.count - rowBytes))
                default:
                    return matrix(shape, stored, tensorSeed, scale: standard)
                }
            })
        }
        try GGUFWriter.write(to: path, metadata: metadata, tensors: sources)
    }

    /// The model in a file, loaded in its own types, on `compute`.
    static func load(_ path: String, compute: ComputeContext = ComputeContext(threads: 2)) throws -> GLMModel {
        let opened = try ModelFiles.open(path: path)
        let weights = try GLMWeights.load(from: opened.checkpoint, config: opened.config, as: nil, source: path,
                                          threads: compute)
        return GLMModel(weights: weights, compute: compute)
    }
}
