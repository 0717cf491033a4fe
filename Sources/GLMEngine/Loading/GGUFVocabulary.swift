import Foundation

/// The vocabulary as llama.cpp stores it in GGUF: one entry per embedding row (padding included),
/// plus the SentencePiece model bytes, which glmchat also embeds so one file is the whole model.
public struct GGUFVocabulary: Sendable, Equatable {
    public var tokens: [String]
    public var scores: [Float]
    /// llama.cpp token types: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte.
    public var types: [Int32]
    public var sentencePieceModel: [UInt8]
    public var eosID: UInt32
    public var padID: UInt32

    public init(tokens: [String], scores: [Float], types: [Int32], sentencePieceModel: [UInt8],
                eosID: UInt32 = 2, padID: UInt32 = 0) {
        self.tokens = tokens
        self.scores = scores
        self.types = types
        self.sentencePieceModel = sentencePieceModel
        self.eosID = eosID
        self.padID = padID
    }
}

/// What SentencePiece says a piece is (`is_unknown`, `is_control`, `is_unused`, `is_byte`, else normal).
public enum SentencePieceKind: String, Sendable {
    case normal, unknown, control, unused, byte
}

extension GGUFVocabulary {
    /// llama.cpp's token types.
    public enum TokenType: Int32 {
        case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    /// The vocabulary exactly as llama.cpp's converter writes it for ChatGLM3: the SentencePiece pieces
    /// (ids 0, 1, 2 spelled `<unk>`, `<bos>`, `<eos>`), then the special tokens as control tokens, then
    /// `[PAD<id>]` unused entries up to `vocabRows`, so every embedding row has a unique text.
    /// Scores are SentencePiece's for normal pieces and 0 for everything else.
    public static func chatGLM3(pieces: [String], scores: [Float], kinds: [SentencePieceKind],
                                specialTokens: [String], vocabRows: Int, sentencePieceModel: [UInt8]) throws -> GGUFVocabulary {
        guard pieces.count == scores.count, pieces.count == kinds.count else {
            throw GLMError(.badValue, "the tokenizer gave \(pieces.count) pieces, \(scores.count) scores and \(kinds.count) kinds")
        }
        guard pieces.count >= 3, pieces.count + specialTokens.count <= vocabRows else {
            throw GLMError(.badValue, "\(pieces.count) pieces and \(specialTokens.count) special tokens do not fit \(vocabRows) embedding rows")
        }
        var tokens: [String] = [], tokenScores: [Float] = [], types: [Int32] = []
        for (id, piece) in pieces.enumerated() {
            let renamed = ["<unk>", "<bos>", "<eos>"]
            tokens.append(id < renamed.count ? renamed[id] : piece)
            let type: TokenType
            switch kinds[id] {
            case .normal: type = .normal
            case .unknown: type = .unknown
            case .control: type = .control
            case .unused: type = .unused
            case .byte: type = .byte
            }
            types.append(type.rawValue)
            tokenScores.append(type == .normal ? scores[id] : 0)
        }
        for special in specialTokens {
            tokens.append(special)
            tokenScores.append(0)
            types.append(TokenType.control.rawValue)
        }
        while tokens.count < vocabRows {
            tokens.append("[PAD\(tokens.count)]")
            tokenScores.append(0)
            types.append(TokenType.unused.rawValue)
        }
        return GGUFVocabulary(tokens: tokens, scores: tokenScores, types: types, sentencePieceModel: sentencePieceModel)
    }
}
