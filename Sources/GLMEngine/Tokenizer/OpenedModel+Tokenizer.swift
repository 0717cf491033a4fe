extension OpenedModel {
    /// The model's tokenizer: `override` (a `--tokenizer` path) if given, else the file beside a
    /// checkpoint, the bytes embedded in a glmchat GGUF file, or the model rebuilt from a GGUF
    /// file's vocabulary; without one, the error says what to pass.
    public func makeTokenizer(override: String? = nil) throws -> Tokenizer {
        switch try tokenizerSource(override: override) {
        case .file(let file): return try Tokenizer(modelPath: file)
        case .embedded(let bytes): return try Tokenizer(modelBytes: bytes, source: path)
        case .ggufVocabulary:
            guard let gguf else {
                throw GLMError(.tokenizer, path: path, "no GGUF metadata to rebuild the tokenizer from; pass --tokenizer PATH (in config.toml: tokenizer = \"PATH\" on the model)")
            }
            return try Tokenizer(ggufMetadata: gguf, source: path)
        case .none: throw GLMError(.tokenizer, path: path, "no tokenizer; pass --tokenizer PATH naming the model's tokenizer.model (in config.toml: tokenizer = \"PATH\" on the model)")
        }
    }
}

extension Tokenizer {
    /// ChatGLM3's tokenizer rebuilt from a GGUF file's `tokenizer.ggml.*` vocabulary (as llama.cpp's
    /// converter writes it, with no tokenizer.model inside); `source` names the file in errors.
    public convenience init(ggufMetadata: GGUFMetadata, source: String) throws {
        try self.init(modelBytes: try GGUFSentencePiece.modelBytes(metadata: ggufMetadata, path: source), source: source)
    }
}
