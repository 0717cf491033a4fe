/// Rebuilds ChatGLM3's SentencePiece model from the vocabulary llama.cpp stores in a GGUF file
/// (`tokenizer.ggml.tokens`, `scores`, `token_type`), for files that carry no `tokenizer.model`.
///
/// The pieces, scores and types come from the file; the settings a GGUF file does not record are
/// ChatGLM3's own (SPEC section 4), and they are only assumed when the file says its tokenizer is
/// ChatGLM3's (`tokenizer.ggml.model = "llama"`, `tokenizer.ggml.pre = "chatglm-spm"`).
/// libsentencepiece then loads the rebuilt model, so encoding is the real tokenizer's algorithm.
enum GGUFSentencePiece {
    static let tokensKey: ExactText = "tokenizer.ggml.tokens"
    static let scoresKey: ExactText = "tokenizer.ggml.scores"
    static let typesKey: ExactText = "tokenizer.ggml.token_type"

    /// Whether the metadata holds a token list to rebuild from.
    static func hasVocabulary(_ metadata: GGUFMetadata) -> Bool { metadata[tokensKey] != nil }

    /// The serialized `ModelProto` of the SentencePiece part of the file's vocabulary.
    static func modelBytes(metadata: GGUFMetadata, path: String) throws -> [UInt8] {
        let vocabulary = try pieces(metadata: metadata, path: path)
        return serialize(vocabulary)
    }

    struct Pieces {
        var texts: [ExactText]
        var scores: [Float]
        var types: [TokenType]
        var unkId: Int32
        var bosId: Int32
        var eosId: Int32
    }

    /// The SentencePiece pieces: every token before the nine special tokens, with `<s>` and `</s>`
    /// named as SentencePiece names them (llama.cpp's converter renames them `<bos>` and `<eos>`).
    static func pieces(metadata m: GGUFMetadata, path: String) throws -> Pieces {
        func bad(_ message: String) -> GLMError { GLMError(.tokenizer, path: path, message) }
        try checkTokenizerKind(m, path: path)
        guard case .array(.string(let tokens))? = m[tokensKey] else {
            throw bad("\(tokensKey) is missing or not a string array")
        }
        guard case .array(.float32(let scores))? = m[scoresKey] else {
            throw bad("\(scoresKey) is missing or not a float32 array")
        }
        guard case .array(.int32(let rawTypes))? = m[typesKey] else {
            throw bad("\(typesKey) is missing or not an int32 array")
        }
        guard scores.count == tokens.count, rawTypes.count == tokens.count else {
            throw bad("the vocabulary has \(tokens.count) tokens, \(scores.count) scores and \(rawTypes.count) token types; it needs one of each per token")
        }
        guard let pieceCount = specialTokensStart(tokens: tokens, types: rawTypes) else {
            throw bad("the token list does not hold ChatGLM3's nine special tokens ([MASK] ... <|observation|>) in order, as control tokens")
        }
        var pieces = Pieces(texts: [], scores: Array(scores[..<pieceCount]), types: [], unkId: -1, bosId: -1, eosId: -1)
        for id in 0..<pieceCount {
            guard let type = TokenType(rawValue: rawTypes[id]) else {
                throw bad("token \(id) has type \(rawTypes[id]); SentencePiece types are 1 to 6")
            }
            var text = tokens[id]
            if type == .control, text == "<bos>" || text == "<s>" {
                text = "<s>"
                try set(&pieces.bosId, Int32(id), name: "<s>", path: path)
            } else if type == .control, text == "<eos>" || text == "</s>" {
                text = "</s>"
                try set(&pieces.eosId, Int32(id), name: "</s>", path: path)
            } else if type == .unknown {
                try set(&pieces.unkId, Int32(id), name: "unknown", path: path)
            }
            pieces.texts.append(text)
            pieces.types.append(type)
        }
        for (name, id) in [("unknown token", pieces.unkId), ("<bos> (<s>) token", pieces.bosId), ("<eos> (</s>) token", pieces.eosId)] where id < 0 {
            throw bad("the SentencePiece vocabulary has no \(name)")
        }
        if let eos = m["tokenizer.ggml.eos_token_id"], eos.intValue != Int(pieces.eosId) {
            throw bad("tokenizer.ggml.eos_token_id is \(eos.intValue.map(String.init) ?? "not an integer"), but <eos> is token \(pieces.eosId)")
        }
        return pieces
    }

    /// Only ChatGLM3's SentencePiece tokenizer is rebuilt; anything else is refused by name.
    private static func checkTokenizerKind(_ m: GGUFMetadata, path: String) throws {
        guard let model = m["tokenizer.ggml.model"]?.textValue else {
            throw GLMError(.tokenizer, path: path, "GGUF metadata has no tokenizer.ggml.model")
        }
        guard model == "llama" else {
            throw GLMError(.tokenizer, path: path, "tokenizer.ggml.model is \(model.debugDescription); glmchat rebuilds only ChatGLM3's SentencePiece tokenizer (\"llama\")")
        }
        if let pre = m["tokenizer.ggml.pre"], pre.textValue != "chatglm-spm" {
            throw GLMError(.tokenizer, path: path, "tokenizer.ggml.pre is \(pre.textValue?.debugDescription ?? "not a string"); glmchat rebuilds only ChatGLM3's tokenizer (\"chatglm-spm\")")
        }
    }

    private static func set(_ slot: inout Int32, _ id: Int32, name: String, path: String) throws {
        guard slot < 0 else {
            throw GLMError(.tokenizer, path: path, "the vocabulary has two \(name) tokens (\(slot) and \(id))")
        }
        slot = id
    }

    /// The id of `[MASK]` when the nine special tokens follow it in order as control tokens.
    static func specialTokensStart(tokens: [ExactText], types: [Int32]) -> Int? {
        let specials = SpecialToken.allCases.map { ExactText($0.text) }
        guard tokens.count >= specials.count + 3 else { return nil }
        for start in 3...(tokens.count - specials.count) where tokens[start] == specials[0] {
            let matches = specials.indices.allSatisfy {
                tokens[start + $0] == specials[$0] && types[start + $0] == TokenType.control.rawValue
            }
            if matches { return start }
        }
        return nil
    }

    /// ChatGLM3's `ModelProto`: its pieces, a BPE trainer spec with byte fallback, and the identity
    /// normalizer with the dummy prefix and without whitespace collapsing (the real model's values).
    static func serialize(_ pieces: Pieces) -> [UInt8] {
        var proto = ProtobufWriter()
        for id in pieces.texts.indices {
            proto.message(1) { piece in
                piece.data(1, pieces.texts[id].utf8)
                piece.float(2, pieces.scores[id])
                piece.varint(3, UInt64(pieces.types[id].rawValue))
            }
        }
        proto.message(2) { trainer in
            trainer.varint(3, 2)  // model_type: BPE
            trainer.int32(4, Int32(clamping: pieces.texts.count))  // vocab_size
            trainer.bool(24, false)  // treat_whitespace_as_suffix
            trainer.bool(25, true)  // split_digits
            trainer.bool(26, true)  // allow_whitespace_only_pieces
            trainer.bool(35, true)  // byte_fallback
            trainer.int32(40, pieces.unkId)
            trainer.int32(41, pieces.bosId)
            trainer.int32(42, pieces.eosId)
            trainer.int32(43, -1)  // pad_id: none (ChatGLM3 pads with <unk>)
        }
        proto.message(3) { normalizer in
            normalizer.data(1, Array("identity".utf8))
            normalizer.bool(3, true)  // add_dummy_prefix
            normalizer.bool(4, false)  // remove_extra_whitespaces
            normalizer.bool(5, true)  // escape_whitespaces
        }
        return proto.bytes
    }
}
