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
    /// Names match byte for byte.
    public static func ggufName(forHuggingFace name: String) -> String? {
        let wholeNames: [(String, String)] = [(embedding, "token_embd.weight"), (finalNorm, "output_norm.weight"),
                                              (output, "output.weight")]
        if let whole = wholeNames.first(where: { $0.0.isByteEqual(to: name) }) { return whole.1 }
        guard let (index, suffix) = layerName(name, prefix: "transformer.encoder.layers."),
              let tensor = LayerTensor.allCases.first(where: { $0.rawValue.isByteEqual(to: suffix) }) else { return nil }
        return "blk.\(index).\(tensor.ggufSuffix)"
    }

    /// The Hugging Face name of a GGUF tensor name, or nil for a name this architecture does not have.
    public static func huggingFaceName(forGGUF name: String) -> String? {
        let wholeNames: [(String, String)] = [("token_embd.weight", embedding), ("output_norm.weight", finalNorm),
                                              ("output.weight", output)]
        if let whole = wholeNames.first(where: { $0.0.isByteEqual(to: name) }) { return whole.1 }
        guard let (index, suffix) = layerName(name, prefix: "blk."),
              let tensor = LayerTensor.allCases.first(where: { $0.ggufSuffix.isByteEqual(to: suffix) }) else { return nil }
        return layer(index, tensor)
    }

    /// The layer index of a name with the bytes `prefix` + a decimal index (ASCII digits, no sign, no
    /// leading zero) + "." + suffix, and the suffix; nil for any other name.
    public static func layerIndex(_ name: String, prefix: String) -> Int? { layerName(name, prefix: prefix)?.index }

    private static func layerName(_ name: String, prefix: String) -> (index: Int, suffix: String)? {
        let bytes = Array(name.utf8)
        guard bytes.starts(with: prefix.utf8) else { return nil }
        let digitsStart = prefix.utf8.count
        var end = digitsStart
        var index = 0
        while end < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[end]) {
            let (scaled, overflow) = index.multipliedReportingOverflow(by: 10)
            guard !overflow, end - digitsStart < maxLayerDigits else { return nil }
            index = scaled + Int(bytes[end] - UInt8(ascii: "0"))
            end += 1
        }
        let digitCount = end - digitsStart
        guard digitCount > 0, digitCount == 1 || bytes[digitsStart] != UInt8(ascii: "0"),
              end < bytes.count, bytes[end] == UInt8(ascii: ".") else { return nil }
        return (index, String(decoding: bytes[(end + 1)...], as: UTF8.self))
    }

    /// No model has a million layers; a longer index is a damaged name.
    private static let maxLayerDigits = 6

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
