import Foundation

extension GGUFConversion {
    /// Writes a ChatGLM3 GGUF file again with its matrices in `matrixType` (for example a llama.cpp
    /// Q4_K_M file as q4_0 for the fastest kernels, or as f32 to inspect), every tensor decoded as
    /// the engine decodes it and quantized as `convert` quantizes a checkpoint. The metadata is the
    /// input's, in its order, with the vocabulary untouched; only `general.file_type` (and
    /// `general.name` when `name` is given) change, and llama.cpp's `quantize.*` notes about how the
    /// input was quantized are dropped, and ChatGLM3's turn ends and chat template are added when the
    /// file names none (llama.cpp's converter writes neither; see `ChatGLMGGUF.chatTemplate`).
    /// `sentencePieceModel` (a tokenizer.model's bytes) is embedded when given. Deterministic, and the file appears only once complete (see `GGUFWriter`).
    public static func requantize(_ opened: OpenedModel, to matrixType: StorageType, name: String? = nil,
                                  sentencePieceModel: [UInt8]? = nil, output: String, threads: ComputeContext,
                                  progress: (_ written: Int64, _ total: Int64) -> Void) throws {
        guard let input = opened.gguf, opened.format == .gguf else {
            throw GLMError(.unsupported, path: opened.path, "requantizing reads a GGUF file; convert a checkpoint directory with convert")
        }
        guard matrixType.isWritable, matrixType != .bf16 else {
            throw GLMError(.unsupported, "GGUF conversion writes f32, f16, q8_0 or q4_0, not \(matrixType.rawValue)")
        }
        var metadata = GGUFMetadata()
        for (key, value) in input.entries where !key.hasPrefix("quantize.") && key != "general.alignment" {
            metadata[key] = value
        }
        metadata["general.file_type"] = .uint32(GGUFTensorType.fileType(for: matrixType))
        if let name { metadata["general.name"] = .string(ExactText(name)) }
        if let sentencePieceModel { metadata[ChatGLMGGUF.sentencePieceModelKey] = .array(.uint8(sentencePieceModel)) }
        if case .array(.string(let tokens))? = metadata["tokenizer.ggml.tokens"] {
            ChatGLMGGUF.addTurnKeys(to: &metadata, tokens: tokens)
        }
        let sources = try ChatGLMGGUF.tensorSources(
            checkpoint: opened.checkpoint, config: opened.config, path: opened.path,
            type: { _, tensor in tensor.shape.count == 2 ? matrixType : .f32 },
            bytes: { tensor, type in try bytes(of: tensor, as: type, threads: threads) })
        try GGUFWriter.write(to: output, metadata: metadata, tensors: sources, progress: progress)
    }
}
