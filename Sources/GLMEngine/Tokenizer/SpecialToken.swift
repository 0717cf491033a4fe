/// ChatGLM3's special tokens. They are not SentencePiece pieces: their ids follow the
/// SentencePiece vocabulary in this order (`[MASK]` = spVocabSize + 0 ... `<|observation|>` = + 8).
public enum SpecialToken: Int32, CaseIterable, Sendable {
    case mask, gMask, sMask, sop, eop, system, user, assistant, observation

    /// The token's text, as the original tokenizer spells it (and as GGUF token lists store it).
    public var text: String {
        switch self {
        case .mask: "[MASK]"
        case .gMask: "[gMASK]"
        case .sMask: "[sMASK]"
        case .sop: "sop"
        case .eop: "eop"
        case .system: "<|system|>"
        case .user: "<|user|>"
        case .assistant: "<|assistant|>"
        case .observation: "<|observation|>"
        }
    }
}

/// What kind of token an id is. Raw values are the GGUF `tokenizer.ggml.token_type` codes
/// (llama.cpp's SentencePiece token types), so the GGUF writer can store them as they are.
public enum TokenType: Int32, Sendable {
    case normal = 1
    case unknown = 2
    case control = 3
    case userDefined = 4
    case unused = 5
    case byte = 6
}
