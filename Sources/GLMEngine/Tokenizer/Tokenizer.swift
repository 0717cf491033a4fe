/// The ChatGLM3 tokenizer: a SentencePiece model (through libsentencepiece) plus the nine
/// special tokens that follow its vocabulary (SPEC section 4).
///
/// Immutable after `init`, hence `Sendable`: the SentencePiece processor is only queried.
public final class Tokenizer: Sendable {
    /// Where the model came from (a file path, or a description such as a GGUF key), for errors.
    public let source: String
    /// Number of SentencePiece pieces (64789 for ChatGLM3); special tokens start here.
    public let spVocabSize: Int
    public let bosId: Int32
    public let eosId: Int32
    public let unkId: Int32
    /// The serialized SentencePiece model exactly as loaded, for embedding into GGUF files.
    public let serializedModel: [UInt8]

    let model: SentencePieceModel
    let table: PieceTable

    /// Loads `tokenizer.model` from disk.
    public convenience init(modelPath: String) throws {
        let file = try MappedFile(path: modelPath)
        guard file.size > 0 else { throw GLMError(.tokenizer, path: modelPath, "the tokenizer model is empty") }
        let bytes = try file.bytes(0..<file.size, what: "the tokenizer model")
        try self.init(modelBytes: Array(bytes), source: modelPath)
    }

    /// Loads serialized SentencePiece model bytes (as embedded in a GGUF file); `source` names
    /// them in errors.
    public init(modelBytes: [UInt8], source: String) throws {
        guard !modelBytes.isEmpty else { throw GLMError(.tokenizer, path: source, "the tokenizer model is empty") }
        let model = try SentencePieceModel(bytes: modelBytes, source: source)
        for (name, id) in [("<unk>", model.unkId), ("<s>", model.bosId), ("</s>", model.eosId)] where id < 0 {
            throw GLMError(.tokenizer, path: source, "the SentencePiece model defines no \(name) piece")
        }
        self.source = source
        self.model = model
        spVocabSize = model.pieceCount
        bosId = model.bosId
        eosId = model.eosId
        unkId = model.unkId
        serializedModel = modelBytes
        table = try PieceTable(model: model, source: source)
    }

    /// SentencePiece pieces plus the special tokens (64798 for ChatGLM3); model rows beyond it
    /// are padding.
    public var realVocabSize: Int { spVocabSize + SpecialToken.allCases.count }

    /// ChatGLM3 pads with `<unk>`.
    public var padId: Int32 { unkId }

    public func id(_ token: SpecialToken) -> Int32 { Int32(spVocabSize) + token.rawValue }

    /// The special token an id stands for, if it is one.
    public func specialToken(_ id: Int32) -> SpecialToken? {
        SpecialToken(rawValue: id - Int32(spVocabSize))
    }

    /// `[gMASK] sop`, which starts every prompt.
    public var promptPrefix: [Int32] { [id(.gMask), id(.sop)] }

    /// A chat reply ends at any of these: `</s>`, `<|user|>`, `<|observation|>`.
    public var chatStopIds: [Int32] { [eosId, id(.user), id(.observation)] }

    /// The piece text of a SentencePiece id (its bytes as the model stores them), the text of a
    /// special token, nil for other ids.
    public func piece(_ id: Int32) -> ExactText? {
        if let token = specialToken(id) { return ExactText(token.text) }
        guard isSentencePiece(id) else { return nil }
        return model.pieceBytes(id).flatMap { ExactText(validatingUTF8: $0) }
    }

    /// The SentencePiece score of a piece; 0 for special tokens and other ids.
    public func score(_ id: Int32) -> Float {
        isSentencePiece(id) ? model.score(id) : 0
    }

    /// Special tokens are control tokens; ids past them (padding rows) are unused.
    public func tokenType(_ id: Int32) -> TokenType {
        if specialToken(id) != nil { return .control }
        guard isSentencePiece(id) else { return .unused }
        let flags = model.flags(id)
        if flags.contains(.unknown) { return .unknown }
        if flags.contains(.control) { return .control }
        if flags.contains(.unused) { return .unused }
        if flags.contains(.byte) { return .byte }
        return .normal
    }

    /// Plain SentencePiece ids of `text`. Special-token text typed by a user (`<|user|>`) is
    /// ordinary text here and never becomes a special id.
    public func encode(_ text: String) -> [Int32] { model.encode(text) }

    /// A raw completion prompt: `[gMASK] sop` + the text.
    public func encodePlain(_ text: String) -> [Int32] { promptPrefix + encode(text) }

    func isSentencePiece(_ id: Int32) -> Bool { id >= 0 && Int(id) < spVocabSize }
}
