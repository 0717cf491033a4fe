extension Tokenizer {
    /// The text of `ids`, decoded the way SentencePiece decodes pieces: one leading "▁" of the
    /// text is dropped (the dummy prefix), byte-fallback runs become UTF-8 with U+FFFD for each
    /// byte that cannot form a character, control pieces show nothing, `<unk>` shows " ⁇ ".
    /// Special tokens show nothing unless `showSpecialTokens` (then their text, as the original
    /// tokenizer's decode writes them); padding ids (>= realVocabSize) always show nothing.
    public func decode(_ ids: [Int32], showSpecialTokens: Bool = false) -> String {
        var output: [UInt8] = []
        var byteRun: [UInt8] = []
        var atStart = true
        for id in ids {
            let surface = table.surface(of: id, showSpecialTokens: showSpecialTokens)
            if case .byte(let value) = surface {
                byteRun.append(value)
                continue
            }
            output += SentencePieceUTF8.decodeRun(byteRun[...])
            byteRun.removeAll(keepingCapacity: true)
            // SentencePiece only drops a "▁" while nothing has been written yet.
            if !output.isEmpty { atStart = false }
            switch surface {
            case .byte, .invisible:
                break
            case .literal(let bytes):
                output += bytes
            case .text(let bytes, let leadingSpace):
                if atStart && leadingSpace {
                    output += bytes.dropFirst()
                    atStart = false
                } else {
                    output += bytes
                }
            }
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
