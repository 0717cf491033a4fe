extension OpenedModel {
    /// The model's tokenizer: `override` (a `--tokenizer` path) if given, else the file beside a
    /// checkpoint or the bytes embedded in a GGUF file; without one, the error says what to pass.
    public func makeTokenizer(override: String? = nil) throws -> Tokenizer {
        switch try tokenizerSource(override: override) {
        case .file(let file): return try Tokenizer(modelPath: file)
        case .embedded(let bytes): return try Tokenizer(modelBytes: bytes, source: path)
        case .none: throw GLMError(.tokenizer, path: path, "no tokenizer; pass --tokenizer PATH naming the model's tokenizer.model (in config.toml: tokenizer = \"PATH\" on the model)")
        }
    }
}
