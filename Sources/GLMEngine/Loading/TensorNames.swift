/// The one table of ChatGLM3 tensor names: Hugging Face checkpoint names and llama.cpp's GGUF names.
/// Every loader maps through here, so a name is spelled in exactly one place.
public enum TensorNames {
    public static let embedding = "transformer.embedding.word_embeddings.weight"
    public static let finalNorm = "transformer.encoder.final_layernorm.weight"
    public static let output = "transformer.output_layer.weight"
    /// Present in checkpoints, never used (SPEC section 2): RoPE frequencies are computed from the config.
    public static let ropeInverseFrequencies = "transformer.rotary_pos_emb.inv_freq"

    public static func layer(_ i: Int, _ suffix: LayerTensor) -> String {
        "transformer.encoder.layers.\(i).\(suffix.rawValue)"
    }

    public enum LayerTensor: String, CaseIterable, Sendable {
        case inputNorm = "input_layernorm.weight"
        case qkvWeight = "self_attention.query_key_value.weight"
        case qkvBias = "self_attention.query_key_value.bias"
        case dense = "self_attention.dense.weight"
        case postNorm = "post_attention_layernorm.weight"
        case hToFourH = "mlp.dense_h_to_4h.weight"
        case fourHToH = "mlp.dense_4h_to_h.weight"

        public var ggufSuffix: String {
            switch self {
            case .inputNorm: return "attn_norm.weight"
            case .qkvWeight: return "attn_qkv.weight"
            case .qkvBias: return "attn_qkv.bias"
            case .dense: return "attn_output.weight"
            case .postNorm: return "ffn_norm.weight"
            case .hToFourH: return "ffn_up.weight"
            case .fourHToH: return "ffn_down.weight"
            }
        }
    }

    /// The GGUF name of a Hugging Face tensor name, or nil for names GGUF drops (inv_freq) or does not know.
    public static func ggufName(forHuggingFace name: String) -> String? {
        switch name {
        case embedding: return "token_embd.weight"
        case finalNorm: return "output_norm.weight"
        case output: return "output.weight"
        default: break
        }
        let prefix = "transformer.encoder.layers."
        guard name.hasPrefix(prefix) else { return nil }
        let rest = name.dropFirst(prefix.count)
        guard let dot = rest.firstIndex(of: "."), let index = Int(rest[..<dot]) else { return nil }
        guard let suffix = LayerTensor(rawValue: String(rest[rest.index(after: dot)...])) else { return nil }
        return "blk.\(index).\(suffix.ggufSuffix)"
    }

    /// The Hugging Face name of a GGUF tensor name, or nil for a name this architecture does not have.
    public static func huggingFaceName(forGGUF name: String) -> String? {
        switch name {
        case "token_embd.weight": return embedding
        case "output_norm.weight": return finalNorm
        case "output.weight": return output
        default: break
        }
        guard name.hasPrefix("blk.") else { return nil }
        let rest = name.dropFirst(4)
        guard let dot = rest.firstIndex(of: "."), let index = Int(rest[..<dot]) else { return nil }
        let suffix = String(rest[rest.index(after: dot)...])
        guard let tensor = LayerTensor.allCases.first(where: { $0.ggufSuffix == suffix }) else { return nil }
        return layer(index, tensor)
    }

    /// Every tensor the forward pass reads, with its PyTorch-order shape.
    public static func expectedShapes(_ c: ModelConfig) -> [(name: String, shape: [Int])] {
        var list: [(String, [Int])] = [(embedding, [c.vocabRows, c.hiddenSize])]
        for i in 0..<c.numLayers {
            list.append((layer(i, .inputNorm), [c.hiddenSize]))
            list.append((layer(i, .qkvWeight), [c.qkvRows, c.hiddenSize]))
            if c.hasQKVBias { list.append((layer(i, .qkvBias), [c.qkvRows])) }
            list.append((layer(i, .dense), [c.hiddenSize, c.qDim]))
            list.append((layer(i, .postNorm), [c.hiddenSize]))
            list.append((layer(i, .hToFourH), [2 * c.ffnHiddenSize, c.hiddenSize]))
            list.append((layer(i, .fourHToH), [c.hiddenSize, c.ffnHiddenSize]))
        }
        list.append((finalNorm, [c.hiddenSize]))
        list.append((output, [c.vocabRows, c.hiddenSize]))
        return list
    }
}
