import Foundation
import GLMEngine
#if canImport(Glibc)
import Glibc
#endif

/// A model of a real shape with random weights, written as a GGUF file that both glmchat and llama.cpp
/// load, so speed can be measured (and compared on the same file) without downloading weights.
public enum RandomModel {
    public enum Shape: String, Sendable, CaseIterable {
        /// `6b-32k` is ChatGLM3-6B-32K: the same weights' shape with a 32768 window and RoPE ratio 50,
        /// so generation can be timed with 32K cached tokens without exceeding the model's window.
        case tiny, sixB = "6b", sixB32K = "6b-32k"

        public var config: ModelConfig {
            switch self {
            case .sixB: return .chatglm3_6b
            case .sixB32K: return .chatglm3_6b_32k
            case .tiny:
                return ModelConfig(numLayers: 2, hiddenSize: 256, numHeads: 4, headDim: 64, kvGroups: 2,
                                   ffnHiddenSize: 512, vocabRows: 1024, contextLength: 8192)
            }
        }
    }

    /// Where the file for a shape and type is kept between runs.
    public static func cachedPath(_ shape: Shape, type: StorageType, cacheDirectory: URL) -> String {
        cacheDirectory.appendingPathComponent("random-\(shape.rawValue)-\(type.rawValue).gguf").path
    }

    /// Writes the random model (deterministic for a seed). Matrices are `type`, norms are 1, biases small.
    public static func write(_ shape: Shape, type: StorageType, to path: String, seed: UInt64 = 1,
                             progress: (_ written: Int64, _ total: Int64) -> Void = { _, _ in }) throws {
        try write(config: shape.config, name: "random-\(shape.rawValue)", type: type, to: path, seed: seed,
                  progress: progress)
    }

    /// The same for any shape (tests use small windows).
    public static func write(config: ModelConfig, name: String, type: StorageType, to path: String, seed: UInt64 = 1,
                             progress: (_ written: Int64, _ total: Int64) -> Void = { _, _ in }) throws {
        let vocabulary = syntheticVocabulary(rows: config.vocabRows)
        var metadata = try ChatGLMGGUF.metadata(config: config, name: name, fileType: type,
                                                vocabulary: vocabulary, path: path)
        // No SentencePiece model: benchmarks feed token ids, and a tokenizer made up here would mislead.
        metadata[ChatGLMGGUF.sentencePieceModelKey] = nil
        var sources: [GGUFTensorSource] = []
        for (index, entry) in TensorNames.expectedShapes(config).enumerated() {
            guard let name = TensorNames.ggufName(forHuggingFace: entry.name) else { continue }
            let shape = entry.shape
            let isMatrix = shape.count == 2
            let stored: StorageType = isMatrix ? type : .f32
            let tensorSeed = seed &+ UInt64(index) &* 0x9E37_79B9
            let isNorm = entry.name.hasSuffix("layernorm.weight")
            sources.append(GGUFTensorSource(name: name, shape: shape, type: stored) {
                isMatrix
                    ? randomMatrixBytes(rows: shape[0], cols: shape[1], type: stored, seed: tensorSeed)
                    : randomVectorBytes(count: shape[0], isNorm: isNorm, seed: tensorSeed)
            })
        }
        try GGUFWriter.write(to: path, metadata: metadata, tensors: sources, progress: progress)
        dropCachedPages(path)
    }

    /// Pages cached by writing are small folios, which the kernel maps 4 KB at a time; dropping
    /// them lets the first load read the file back in 2 MB folios (see `MappedFile`), as it would
    /// any model file it reads for the first time. Best effort: failure only costs speed.
    static func dropCachedPages(_ path: String) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return }
        defer { close(fd) }
        _ = fdatasync(fd)
        _ = posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_DONTNEED))
    }

    /// Pieces shaped like a SentencePiece vocabulary (llama.cpp needs byte pieces such as `<0x0A>`).
    static func syntheticVocabulary(rows: Int) -> GGUFVocabulary {
        var tokens = ["<unk>", "<s>", "</s>"]
        var types: [Int32] = [2, 3, 3]
        for byte in 0..<256 {
            tokens.append(String(format: "<0x%02X>", byte))
            types.append(6)
        }
        let specials = SpecialToken.allCases.map(\.text)
        let normalCount = rows - tokens.count - specials.count
        for i in 0..<max(0, normalCount) {
            tokens.append("▁tok\(i)")
            types.append(1)
        }
        tokens += specials
        types += specials.map { _ in 3 }
        let scores = tokens.indices.map { types[$0] == 1 ? -Float($0) : 0 }
        return GGUFVocabulary(tokens: tokens.map { ExactText($0) }, scores: scores, types: types, sentencePieceModel: [])
    }

    /// Random weights of a plausible scale (each output about unit variance for unit inputs).
    static func randomMatrixBytes(rows: Int, cols: Int, type: StorageType, seed: UInt64) -> [UInt8] {
        var generator = SeededGenerator(seed: seed)
        let scale = 1 / Float(cols).squareRoot()
        let byteCount = type.byteCount(elements: rows * cols)
        var bytes = [UInt8](repeating: 0, count: byteCount)
        bytes.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return }
            switch type {
            case .q4_0, .q8_0:
                // Random blocks written directly: quantizing random floats would only slow the setup down.
                let blockBytes = type == .q4_0 ? 18 : 34
                let d = Float16(type == .q4_0 ? scale * 1.7 / 8 : scale * 1.7 / 127).bitPattern
                for block in 0..<(byteCount / blockBytes) {
                    let p = base + block * blockBytes
                    p.storeBytes(of: d.littleEndian, as: UInt16.self)
                    var offset = 2
                    while offset < blockBytes {
                        let word = generator.next()
                        for k in 0..<min(8, blockBytes - offset) {
                            (p + offset + k).storeBytes(of: UInt8(truncatingIfNeeded: word >> (8 * k)), as: UInt8.self)
                        }
                        offset += 8
                    }
                }
            case .f32, .f16, .bf16:
                let floats = rows * cols
                for i in 0..<floats {
                    let u = Float(generator.next() >> 40) / Float(1 << 24) * 2 - 1
                    let value = u * scale * 1.7
                    switch type {
                    case .f32: (base + 4 * i).storeBytes(of: value.bitPattern.littleEndian, as: UInt32.self)
                    case .f16: (base + 2 * i).storeBytes(of: Float16(value).bitPattern.littleEndian, as: UInt16.self)
                    default: (base + 2 * i).storeBytes(of: UInt16(value.bitPattern >> 16).littleEndian, as: UInt16.self)
                    }
                }
            }
        }
        return bytes
    }

    static func randomVectorBytes(count: Int, isNorm: Bool, seed: UInt64) -> [UInt8] {
        var generator = SeededGenerator(seed: seed)
        var bytes = [UInt8](repeating: 0, count: count * 4)
        bytes.withUnsafeMutableBytes { raw in
            for i in 0..<count {
                let u = Float(generator.next() >> 40) / Float(1 << 24) * 2 - 1
                raw.storeBytes(of: (isNorm ? 1 + 0.1 * u : 0.02 * u).bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
            }
        }
        return bytes
    }
}
