extension Tokenizer {
    /// The text of `ids`, decoded the way SentencePiece decodes pieces: one leading "▁" of the
    /// text is dropped (the dummy prefix), byte-fallback runs become UTF-8 with U+FFFD for each
    /// byte that cannot form a character, control pieces show nothing, `<unk>` shows " ⁇ ".
    /// Special tokens show nothing unless `showSpecialTokens` (then their text, as the original
    /// tokenizer's decode writes them: the text after one is decoded as a text of its own, so its
    /// first "▁" is dropped too); padding ids (>= realVocabSize) always show nothing.
    public func decode(_ ids: [Int32], showSpecialTokens: Bool = false) -> String {
        var output: [UInt8] = []
        var byteRun: [UInt8] = []
        // SentencePiece drops a "▁" only while nothing has been written yet; a shown special token
        // starts a new run, as the original tokenizer decodes the text between special tokens.
        var atStart = true
        for id in ids {
            let surface = table.surface(of: id, showSpecialTokens: showSpecialTokens)
            if case .byte(let value) = surface {
                byteRun.append(value)
                continue
            }
            if !byteRun.isEmpty {
                output += SentencePieceUTF8.decodeRun(byteRun[...])
                byteRun.removeAll(keepingCapacity: true)
                atStart = false
            }
            surface.appendShown(to: &output, atStart: &atStart)
        }
        output += SentencePieceUTF8.decodeRun(byteRun[...])
        return String(decoding: output, as: UTF8.self)
    }

    /// libsentencepiece's own decoding of SentencePiece ids; the reference `decode` is checked
    /// against. Throws for ids outside the SentencePiece vocabulary.
    func sentencePieceDecode(_ ids: [Int32]) throws -> String {
        try model.decode(ids)
    }
}
