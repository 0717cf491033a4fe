import Foundation

/// The metadata keys llama.cpp's converter writes for ChatGLM3 (`general.architecture = "chatglm"`),
/// in its order, and the way back from them to a `ModelConfig` (SPEC section 5).
public enum ChatGLMGGUF {
    public static let architecture: ExactText = "chatglm"
    /// glmchat's own key: the SentencePiece `tokenizer.model` bytes, as a uint8 array.
    public static let sentencePieceModelKey: ExactText = "glmchat.tokenizer.sentencepiece_model"

    /// The metadata of a ChatGLM3 GGUF file. `fileType` is the type of the large matrices
    /// (it becomes llama.cpp's `general.file_type`).
    public static func metadata(config: ModelConfig, name: String, fileType: StorageType,
                                vocabulary v: GGUFVocabulary, path: String) throws -> GGUFMetadata {
        func bad(_ message: String) -> GLMError { GLMError(.badValue, path: path, message) }
        guard v.tokens.count == config.vocabRows, v.scores.count == config.vocabRows, v.types.count == config.vocabRows else {
            throw bad("the vocabulary has \(v.tokens.count) tokens, \(v.scores.count) scores and \(v.types.count) types; the model has \(config.vocabRows) embedding rows and needs one of each per row")
        }
        if let repeated = v.firstRepeatedToken() {
            throw bad("token \(repeated.id) repeats the text \(repeated.text.debugDescription) byte for byte; llama.cpp needs every token text to be unique")
        }
        guard Int(v.eosID) < config.vocabRows, Int(v.padID) < config.vocabRows else {
            throw bad("eos id \(v.eosID) or pad id \(v.padID) is outside the \(config.vocabRows) rows")
        }
        let a = architecture
        var m = GGUFMetadata()
        m["general.architecture"] = .string(a)
        m["general.type"] = .string("model")
        m["general.name"] = .string(ExactText(name))
        m["\(a).context_length"] = .uint32(UInt32(config.contextLength))
        m["\(a).embedding_length"] = .uint32(UInt32(config.hiddenSize))
        m["\(a).feed_forward_length"] = .uint32(UInt32(config.ffnHiddenSize))
        m["\(a).block_count"] = .uint32(UInt32(config.numLayers))
        m["\(a).attention.head_count"] = .uint32(UInt32(config.numHeads))
        m["\(a).attention.head_count_kv"] = .uint32(UInt32(config.kvGroups))
        m["\(a).attention.layer_norm_rms_epsilon"] = .float32(config.rmsEps)
        m["general.file_type"] = .uint32(GGUFTensorType.fileType(for: fileType))
        m["\(a).rope.dimension_count"] = .uint32(UInt32(config.ropeDims))
        m["tokenizer.ggml.add_bos_token"] = .bool(false)
        m["\(a).rope.freq_base"] = .float32(Float(config.ropeBase))
        m["general.quantization_version"] = .uint32(2)
        m["tokenizer.ggml.model"] = .string("llama")
        m["tokenizer.ggml.pre"] = .string("chatglm-spm")
        m["tokenizer.ggml.tokens"] = .array(.string(v.tokens))
        m["tokenizer.ggml.scores"] = .array(.float32(v.scores))
        m["tokenizer.ggml.token_type"] = .array(.int32(v.types))
        m["tokenizer.ggml.eos_token_id"] = .uint32(v.eosID)
        m["tokenizer.ggml.padding_token_id"] = .uint32(v.padID)
        addTurnKeys(to: &m, tokens: v.tokens)
        m[sentencePieceModelKey] = .array(.uint8(v.sentencePieceModel))
        return m
    }

    /// Names `<|user|>` and `<|observation|>` as the turn ends (`eot`, `eom`) and adds `chatTemplate`,
    /// when the vocabulary spells both tokens (compared by bytes) and the metadata has none of the three
    /// keys yet (a file that names its own is left as it is).
    static func addTurnKeys(to m: inout GGUFMetadata, tokens: [ExactText]) {
        let keys: [ExactText] = ["tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id", "tokenizer.chat_template"]
        guard keys.allSatisfy({ m[$0] == nil }),
              let user = tokens.firstIndex(of: "<|user|>"), let observation = tokens.firstIndex(of: "<|observation|>") else { return }
        m[keys[0]] = .uint32(UInt32(user))
        m[keys[1]] = .uint32(UInt32(observation))
        m[keys[2]] = .string(chatTemplate)
    }

    /// ChatGLM3's prompt as a Jinja chat template, for llama.cpp (llama.cpp's own converter writes no
    /// template and names only `</s>` as an end, so llama-server talks ChatML to those files and runs
    /// answers on past `<|user|>`; glmchat's files carry both). It renders exactly what llama.cpp's
    /// built-in `chatglm3` format writes (`[gMASK]sop`, then `<|role|>\n content` per message, then
    /// `<|assistant|>`), and without Jinja llama.cpp picks that built-in from the `[gMASK]sop` in it.
    /// It must not spell `<|user|>`: llama.cpp takes a template holding both that and `<|assistant|>`
    /// for GLM-Edge's.
    public static let chatTemplate: ExactText = """
        [gMASK]sop{% for message in messages %}<|{{ message['role'] }}|>
         {{ message['content'] }}{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}
        """

    /// The model shape from a ChatGLM GGUF file's metadata; the vocabulary size and the qkv bias come
    /// from the tensors (`tensors` by GGUF name, PyTorch-order shapes).
    public static func config(metadata m: GGUFMetadata, tensors: [String: TensorRef], path: String) throws -> ModelConfig {
        guard let arch = m["general.architecture"]?.textValue else {
            throw GLMError(.badFormat, path: path, "GGUF metadata has no general.architecture")
        }
        guard arch == architecture else {
            throw GLMError(.unsupported, path: path, "GGUF architecture is \"\(arch)\"; glmchat runs ChatGLM3 (\"chatglm\") models")
        }
        func value(_ key: String) throws -> GGUFValue {
            guard let v = m["\(architecture).\(key)"] else {
                throw GLMError(.badFormat, path: path, "GGUF metadata lacks \(architecture).\(key)")
            }
            return v
        }
        func int(_ key: String) throws -> Int {
            guard let n = try value(key).intValue else {
                throw GLMError(.badFormat, path: path, "GGUF metadata \(architecture).\(key) is not an integer")
            }
            return n
        }
        func double(_ key: String) throws -> Double {
            guard let x = try value(key).doubleValue else {
                throw GLMError(.badFormat, path: path, "GGUF metadata \(architecture).\(key) is not a number")
            }
            return x
        }
        let hidden = try int("embedding_length")
        let heads = try int("attention.head_count")
        guard heads > 0, hidden % heads == 0 else {
            throw GLMError(.badValue, path: path, "embedding_length \(hidden) is not a multiple of head_count \(heads)")
        }
        guard let embedding = tensors["token_embd.weight"], embedding.shape.count == 2 else {
            throw GLMError(.missingTensor, path: path, "missing tensor token_embd.weight (or it is not a matrix)")
        }
        let config = ModelConfig(
            numLayers: try int("block_count"), hiddenSize: hidden, numHeads: heads, headDim: hidden / heads,
            kvGroups: try int("attention.head_count_kv"), ffnHiddenSize: try int("feed_forward_length"),
            vocabRows: embedding.shape[0], contextLength: try int("context_length"),
            ropeRatio: (m["\(architecture).rope.freq_base"]?.doubleValue ?? 10000) / 10000,
            rmsEps: Float(try double("attention.layer_norm_rms_epsilon")),
            hasQKVBias: tensors["blk.0.attn_qkv.bias"] != nil)
        if let ropeDims = m["\(architecture).rope.dimension_count"]?.intValue, ropeDims != config.ropeDims {
            throw GLMError(.unsupported, path: path,
                           "rope.dimension_count is \(ropeDims); ChatGLM3 rotates half of each \(config.headDim)-wide head (\(config.ropeDims))")
        }
        try config.validate(path: path)
        return config
    }
}

extension ChatGLMGGUF {
    /// The tensors of a checkpoint as GGUF write sources: every tensor the model uses (inv_freq dropped),
    /// in forward-pass order, named through `TensorNames`. `type` picks each tensor's stored type up front;
    /// `bytes` converts one tensor when the writer reaches it, so only one converted tensor is in memory.
    public static func tensorSources(checkpoint: Checkpoint, config: ModelConfig, path: String,
                                     type: (_ name: String, _ tensor: TensorRef) -> StorageType,
                                     bytes: @escaping (_ tensor: TensorRef, _ type: StorageType) throws -> [UInt8]) throws -> [GGUFTensorSource] {
        try TensorNames.expectedShapes(config).map { name, shape in
            let tensor = try checkpoint.tensor(name, in: path)
            guard tensor.shape == shape else {
                throw GLMError(.wrongShape, path: tensor.path, "tensor \(name) has shape \(tensor.shape), expected \(shape)")
            }
            guard let ggufName = TensorNames.ggufName(forHuggingFace: name) else {
                throw GLMError(.badValue, path: path, "tensor \(name) has no GGUF name")
            }
            let stored = type(name, tensor)
            return GGUFTensorSource(name: ggufName, shape: shape, type: stored) { [checkpoint] in
                _ = checkpoint  // held so the mapping `tensor` points into outlives the source
                return try bytes(tensor, stored)
            }
        }
    }
}
