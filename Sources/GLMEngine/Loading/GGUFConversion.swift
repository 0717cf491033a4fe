import Foundation

/// Writes a checkpoint as one self-contained GGUF file: llama.cpp's `chatglm` layout plus the
/// SentencePiece model bytes. Matrices become `matrixType`; norms and biases stay f32 (as llama.cpp keeps them).
public enum GGUFConversion {
    public static func convert(_ opened: OpenedModel, tokenizer: Tokenizer, to matrixType: StorageType,
                               name: String, output: String, threads: ComputeContext,
                               progress: (_ written: Int64, _ total: Int64) -> Void) throws {
        guard matrixType.isWritable, matrixType != .bf16 else {
            throw GLMError(.unsupported, "GGUF conversion writes f32, f16, q8_0 or q4_0, not \(matrixType.rawValue)")
        }
        let ids = (0..<Int32(tokenizer.spVocabSize))
        let pieces = try ids.map { id in
            guard let piece = tokenizer.piece(id) else {
                throw GLMError(.tokenizer, path: tokenizer.source, "piece \(id) cannot be read as UTF-8 text")
            }
            return piece
        }
        let vocabulary = try GGUFVocabulary.chatGLM3(
            pieces: pieces,
            scores: ids.map { tokenizer.score($0) },
            types: ids.map { tokenizer.tokenType($0) },
            specialTokens: SpecialToken.allCases.map { ExactText($0.text) },
            vocabRows: opened.config.vocabRows,
            sentencePieceModel: tokenizer.serializedModel)
        let metadata = try ChatGLMGGUF.metadata(config: opened.config, name: name, fileType: matrixType,
                                                vocabulary: vocabulary, path: output)
        let sources = try ChatGLMGGUF.tensorSources(
            checkpoint: opened.checkpoint, config: opened.config, path: opened.path,
            type: { _, tensor in tensor.shape.count == 2 ? matrixType : .f32 },
            bytes: { tensor, type in try bytes(of: tensor, as: type, threads: threads) })
        try GGUFWriter.write(to: output, metadata: metadata, tensors: sources, progress: progress)
    }

    /// One tensor converted to `type`, through the same conversion the engine uses when it loads weights.
    static func bytes(of tensor: TensorRef, as type: StorageType, threads: ComputeContext) throws -> [UInt8] {
        let cols = tensor.shape.last ?? 1
        let rows = tensor.elementCount / max(cols, 1)
        let asMatrix = TensorRef(name: tensor.name, shape: [rows, cols], type: tensor.type, bytes: tensor.bytes,
                                 path: tensor.path)
        let matrix = try WeightMatrix.make(from: asMatrix, as: type, ctx: threads)
        return [UInt8](UnsafeRawBufferPointer(start: matrix.data, count: matrix.byteCount))
    }
}
