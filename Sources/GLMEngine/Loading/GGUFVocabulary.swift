import Foundation

/// The vocabulary as llama.cpp stores it in GGUF: one entry per embedding row (padding included),
/// plus the SentencePiece model bytes, which glmchat also embeds so one file is the whole model.
/// Token texts are kept and compared byte for byte (`ExactText`).
public struct GGUFVocabulary: Sendable, Equatable {
    public var tokens: [ExactText]
    public var scores: [Float]
    /// llama.cpp token types (`TokenType` raw values): 1 normal, 2 unknown, 3 control, 4 user-defined,
    /// 5 unused, 6 byte.
    public var types: [Int32]
    public var sentencePieceModel: [UInt8]
    public var eosID: UInt32
    public var padID: UInt32

    public init(tokens: [ExactText], scores: [Float], types: [Int32], sentencePieceModel: [UInt8],
                eosID: UInt32 = 2, padID: UInt32 = 0) {
        self.tokens = tokens
        self.scores = scores
        self.types = types
        self.sentencePieceModel = sentencePieceModel
        self.eosID = eosID
        self.padID = padID
    }
}

extension GGUFVocabulary {
    /// The vocabulary exactly as llama.cpp's converter writes it for ChatGLM3: the SentencePiece pieces
    /// (ids 0, 1, 2 spelled `<unk>`, `<bos>`, `<eos>`), then the special tokens as control tokens, then
    /// `[PAD<id>]` unused entries up to `vocabRows`, so every embedding row has a unique text.
    /// Scores are SentencePiece's for normal pieces and 0 for everything else.
    public static func chatGLM3(pieces: [ExactText], scores: [Float], types pieceTypes: [TokenType],
                                specialTokens: [ExactText], vocabRows: Int, sentencePieceModel: [UInt8]) throws -> GGUFVocabulary {
        guard pieces.count == scores.count, pieces.count == pieceTypes.count else {
            throw GLMError(.badValue, "the tokenizer gave \(pieces.count) pieces, \(scores.count) scores and \(pieceTypes.count) types")
        }
        guard pieces.count >= 3, pieces.count + specialTokens.count <= vocabRows else {
            throw GLMError(.badValue, "\(pieces.count) pieces and \(specialTokens.count) special tokens do not fit \(vocabRows) embedding rows")
        }
        let renamed: [ExactText] = ["<unk>", "<bos>", "<eos>"]
        var tokens: [ExactText] = [], tokenScores: [Float] = [], types: [Int32] = []
        for (id, piece) in pieces.enumerated() {
            tokens.append(id < renamed.count ? renamed[id] : piece)
            types.append(pieceTypes[id].rawValue)
            tokenScores.append(pieceTypes[id] == .normal ? scores[id] : 0)
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

    /// The first token whose text another token repeats (byte for byte), or nil when all are unique.
    public func firstRepeatedToken() -> (id: Int, text: ExactText)? {
        var seen = Set<ExactText>()
        for (id, token) in tokens.enumerated() where !seen.insert(token).inserted { return (id, token) }
        return nil
    }
}
