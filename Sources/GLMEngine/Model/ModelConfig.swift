import Foundation

/// The shape of a ChatGLM3 model (SPEC sections 1 and 3). Model differences are fields here,
/// never branches in the forward pass.
public struct ModelConfig: Sendable, Equatable {
    public var numLayers: Int
    public var hiddenSize: Int
    public var numHeads: Int
    /// Per-head width; `kv_channels` in config.json.
    public var headDim: Int
    /// Number of K/V heads; `multi_query_group_num` in config.json.
    public var kvGroups: Int
    public var ffnHiddenSize: Int
    /// Rows of the embedding and output matrices, padding included.
    public var vocabRows: Int
    /// The context window the model was trained for (`seq_length`).
    public var contextLength: Int
    public var ropeRatio: Double
    public var rmsEps: Float
    public var hasQKVBias: Bool

    public init(numLayers: Int, hiddenSize: Int, numHeads: Int, headDim: Int, kvGroups: Int,
                ffnHiddenSize: Int, vocabRows: Int, contextLength: Int, ropeRatio: Double = 1,
                rmsEps: Float = 1e-5, hasQKVBias: Bool = true) {
        self.numLayers = numLayers
        self.hiddenSize = hiddenSize
        self.numHeads = numHeads
        self.headDim = headDim
        self.kvGroups = kvGroups
        self.ffnHiddenSize = ffnHiddenSize
        self.vocabRows = vocabRows
        self.contextLength = contextLength
        self.ropeRatio = ropeRatio
        self.rmsEps = rmsEps
        self.hasQKVBias = hasQKVBias
    }

    /// ChatGLM3-6B (chat and base); the 32K model differs in context length and rope ratio.
    public static let chatglm3_6b = ModelConfig(
        numLayers: 28, hiddenSize: 4096, numHeads: 32, headDim: 128, kvGroups: 2,
        ffnHiddenSize: 13696, vocabRows: 65024, contextLength: 8192)

    public static let chatglm3_6b_32k: ModelConfig = {
        var c = ModelConfig.chatglm3_6b
        c.contextLength = 32768
        c.ropeRatio = 50
        return c
    }()

    /// RoPE base: 10000 x rope_ratio (500000 for the 32K model).
    public var ropeBase: Double { 10000 * ropeRatio }
    /// RoPE rotates only the first half of each head.
    public var ropeDims: Int { headDim / 2 }
    public var qDim: Int { numHeads * headDim }
    public var kvDim: Int { kvGroups * headDim }
    public var qkvRows: Int { qDim + 2 * kvDim }
    public var headsPerGroup: Int { numHeads / kvGroups }

    /// Every dimension is at most this (2^22: 4M positions or vocabulary rows), so a damaged file's sizes
    /// give an error here instead of overflowing a product later.
    public static let dimensionLimit = 1 << 22

    /// Checks the relations the forward pass relies on; `path` names the file for the error.
    public func validate(path: String) throws {
        func bad(_ message: String) -> GLMError { GLMError(.badValue, path: path, message) }
        let positives: [(String, Int)] = [
            ("num_layers", numLayers), ("hidden_size", hiddenSize), ("num_attention_heads", numHeads),
            ("kv_channels", headDim), ("multi_query_group_num", kvGroups),
            ("ffn_hidden_size", ffnHiddenSize), ("padded_vocab_size", vocabRows), ("seq_length", contextLength),
        ]
        for (name, value) in positives where value <= 0 {
            throw bad("\(name) must be positive, got \(value)")
        }
        for (name, value) in positives where value > Self.dimensionLimit {
            throw bad("\(name) is \(value); no ChatGLM model is that large (at most \(Self.dimensionLimit))")
        }
        guard numHeads % kvGroups == 0 else {
            throw bad("num_attention_heads (\(numHeads)) is not a multiple of multi_query_group_num (\(kvGroups))")
        }
        guard headDim % 4 == 0 else { throw bad("kv_channels (\(headDim)) must be a multiple of 4 for half-head RoPE") }
        guard ropeRatio > 0, ropeRatio.isFinite else { throw bad("rope_ratio must be positive, got \(ropeRatio)") }
        guard rmsEps > 0, rmsEps.isFinite else { throw bad("layernorm_epsilon must be positive, got \(rmsEps)") }
    }
}

extension ModelConfig {
    /// Reads a Hugging Face `config.json` of a ChatGLM3 checkpoint.
    public static func load(huggingFaceConfig path: String) throws -> ModelConfig {
        guard FileManager.default.fileExists(atPath: path) else {
            throw GLMError(.fileNotFound, path: path, "no config.json (a Hugging Face model directory needs one)")
        }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw GLMError(.unreadable, path: path, "cannot read: \(error.localizedDescription)")
        }
        let json = try JSONValue.parse(bytes: data, source: path)
        guard case .object = json else { throw GLMError(.badFormat, path: path, "not a JSON object") }
        func int(_ key: String, default fallback: Int? = nil) throws -> Int {
            switch json[key] {
            case .int(let n)?: return n
            case .double(let x)? where x == x.rounded() && abs(x) < 0x1p62: return Int(x)
            case nil where fallback != nil: return fallback ?? 0
            case nil: throw GLMError(.badFormat, path: path, "missing field \"\(key)\"")
            default: throw GLMError(.badFormat, path: path, "field \"\(key)\" is not an integer")
            }
        }
        func double(_ key: String, default fallback: Double) throws -> Double {
            switch json[key] {
            case nil, .null?: return fallback
            case .int(let n)?: return Double(n)
            case .double(let x)?: return x
            default: throw GLMError(.badFormat, path: path, "field \"\(key)\" is not a number")
            }
        }
        func bool(_ key: String) -> Bool? {
            if case .bool(let b)? = json[key] { return b }
            return nil
        }
        if let type = json["model_type"]?.stringValue, !type.isByteEqual(to: "chatglm") {
            throw GLMError(.unsupported, path: path, "model_type is \"\(type)\"; glmchat runs ChatGLM3 (\"chatglm\") models")
        }
        let numLayers = try int("num_layers")
        let config = ModelConfig(
            numLayers: numLayers,
            hiddenSize: try int("hidden_size"),
            numHeads: try int("num_attention_heads"),
            headDim: try int("kv_channels"),
            kvGroups: try int("multi_query_group_num"),
            ffnHiddenSize: try int("ffn_hidden_size"),
            vocabRows: try int("padded_vocab_size"),
            contextLength: try int("seq_length"),
            ropeRatio: try double("rope_ratio", default: 1),
            rmsEps: Float(try double("layernorm_epsilon", default: 1e-5)),
            hasQKVBias: bool("add_qkv_bias") ?? true)
        if let multiQuery = bool("multi_query_attention"), multiQuery == false {
            throw GLMError(.unsupported, path: path, "multi_query_attention false is not a ChatGLM3 layout")
        }
        if let rms = bool("rmsnorm"), rms == false {
            throw GLMError(.unsupported, path: path, "rmsnorm false (LayerNorm) is not a ChatGLM3 layout")
        }
        if let bias = bool("add_bias_linear"), bias {
            throw GLMError(.unsupported, path: path, "add_bias_linear true is not a ChatGLM3 layout")
        }
        try config.validate(path: path)
        return config
    }
}
