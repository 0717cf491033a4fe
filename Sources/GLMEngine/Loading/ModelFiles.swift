import Foundation

/// Which kind of file the weights came from.
public enum CheckpointFormat: String, Sendable, Equatable {
    case safetensors, shardedSafetensors, pytorchBin, shardedPytorchBin, gguf
}

/// Where the SentencePiece tokenizer comes from.
public enum TokenizerSource: Sendable, Equatable {
    /// A `tokenizer.model` file (beside a Hugging Face checkpoint).
    case file(String)
    /// The bytes glmchat embeds in its GGUF files (`ChatGLMGGUF.sentencePieceModelKey`).
    case embedded([UInt8])
    /// Rebuilt from the `tokenizer.ggml.*` vocabulary of a GGUF file that embeds no model
    /// (the files llama.cpp's converter writes).
    case ggufVocabulary
    /// Neither: the user must name one (`--tokenizer PATH`).
    case none
}

/// A model found on disk: its shape, its tensors by Hugging Face name (memory-mapped, validated against
/// the shape), and where its tokenizer comes from.
public struct OpenedModel: @unchecked Sendable {
    /// What the user named: a directory or a `.gguf` file.
    public let path: String
    public let format: CheckpointFormat
    public let config: ModelConfig
    public let checkpoint: Checkpoint
    public let tokenizer: TokenizerSource
    /// The GGUF metadata, for GGUF files.
    public let gguf: GGUFMetadata?

    /// The tokenizer to use: `override` (a `--tokenizer` path) if given, else the model's own;
    /// a model without one is an error telling the user what to pass.
    public func tokenizerSource(override: String? = nil) throws -> TokenizerSource {
        if let override { return .file(override) }
        guard tokenizer != .none else {
            let why = format == .gguf
                ? "has neither an embedded SentencePiece model nor a tokenizer.ggml.tokens vocabulary"
                : "has no tokenizer.model"
            throw GLMError(.tokenizer, path: path, "\(why); pass --tokenizer PATH naming the model's tokenizer.model (in config.toml: tokenizer = \"PATH\" on the model)")
        }
        return tokenizer
    }
}

/// The one entry point for loading: a Hugging Face directory (safetensors or PyTorch `.bin`, single or
/// sharded) or a GGUF file (ours or llama.cpp's `chatglm`).
public enum ModelFiles {
    public static func open(path: String) throws -> OpenedModel {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw GLMError(.fileNotFound, path: path, "no such file or directory")
        }
        if isDirectory.boolValue { return try openHuggingFace(directory: path) }
        if URL(fileURLWithPath: path).pathExtension.lowercased() == "gguf" || startsWithGGUFMagic(path) {
            return try openGGUF(path: path)
        }
        throw GLMError(.unsupported, path: path,
                       "not a model: pass a Hugging Face model directory (with config.json) or a .gguf file")
    }

    static func openHuggingFace(directory: String) throws -> OpenedModel {
        let dir = URL(fileURLWithPath: directory)
        func file(_ name: String) -> String { dir.appendingPathComponent(name).path }
        func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: file(name)) }
        let config = try ModelConfig.load(huggingFaceConfig: file("config.json"))
        let checkpoint = Checkpoint()
        let format: CheckpointFormat
        let weightsPath: String
        if exists("model.safetensors") {
            (format, weightsPath) = (.safetensors, file("model.safetensors"))
            try SafetensorsReader.read(path: weightsPath, into: checkpoint)
        } else if exists("model.safetensors.index.json") {
            (format, weightsPath) = (.shardedSafetensors, file("model.safetensors.index.json"))
            try ShardedCheckpoint.read(indexPath: weightsPath, into: checkpoint, readShard: SafetensorsReader.read)
        } else if exists("pytorch_model.bin.index.json") {
            (format, weightsPath) = (.shardedPytorchBin, file("pytorch_model.bin.index.json"))
            try ShardedCheckpoint.read(indexPath: weightsPath, into: checkpoint, readShard: TorchCheckpointReader.read)
        } else if exists("pytorch_model.bin") {
            (format, weightsPath) = (.pytorchBin, file("pytorch_model.bin"))
            try TorchCheckpointReader.read(path: weightsPath, into: checkpoint)
        } else {
            throw GLMError(.fileNotFound, path: directory,
                           "no weights: expected model.safetensors, model.safetensors.index.json, pytorch_model.bin.index.json or pytorch_model.bin")
        }
        try CheckpointValidation.validate(checkpoint, config: config, configPath: file("config.json"), weightsPath: weightsPath)
        let tokenizer: TokenizerSource = exists("tokenizer.model") ? .file(file("tokenizer.model")) : .none
        return OpenedModel(path: directory, format: format, config: config, checkpoint: checkpoint,
                           tokenizer: tokenizer, gguf: nil)
    }

    static func openGGUF(path: String) throws -> OpenedModel {
        let contents = try GGUFReader.read(path: path)
        let byName = Dictionary(contents.tensors.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let config = try ChatGLMGGUF.config(metadata: contents.metadata, tensors: byName, path: path)
        let checkpoint = Checkpoint()
        checkpoint.retain(contents.file)
        for t in contents.tensors {
            guard let name = TensorNames.huggingFaceName(forGGUF: t.name) else {
                throw GLMError(.badFormat, path: path, "tensor \(t.name) is not a ChatGLM3 tensor")
            }
            try checkpoint.add(TensorRef(name: name, shape: t.shape, type: t.type, bytes: t.bytes, path: path))
        }
        try CheckpointValidation.validate(checkpoint, config: config, configPath: path, weightsPath: path)
        var tokenizer = TokenizerSource.none
        if let value = contents.metadata[ChatGLMGGUF.sentencePieceModelKey] {
            guard case .array(.uint8(let bytes)) = value, !bytes.isEmpty else {
                throw GLMError(.badFormat, path: path, "\(ChatGLMGGUF.sentencePieceModelKey) is not a non-empty uint8 array")
            }
            tokenizer = .embedded(bytes)
        } else if GGUFSentencePiece.hasVocabulary(contents.metadata) {
            tokenizer = .ggufVocabulary
        }
        return OpenedModel(path: path, format: .gguf, config: config, checkpoint: checkpoint,
                           tokenizer: tokenizer, gguf: contents.metadata)
    }

    private static func startsWithGGUFMagic(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 4)) ?? Data()
        return head == Data("GGUF".utf8)
    }
}
