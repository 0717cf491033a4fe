/// Turns generated ids into text one id at a time, never emitting half a character.
///
/// Everything it returns, concatenated up to and including `finish()`, equals
/// `tokenizer.decode(ids, showSpecialTokens:)` of the same ids. Byte-fallback pieces wait
/// until they complete a UTF-8 character; a byte that can no longer complete one becomes
/// U+FFFD as soon as that is certain. A fresh detokenizer is at the start of a message, so
/// the first piece's leading "▁" (the dummy prefix) is dropped as SentencePiece does.
public struct StreamingDetokenizer: Sendable {
    private let table: PieceTable
    private let showSpecialTokens: Bool
    private var pendingBytes: [UInt8] = []
    /// Nothing written yet since the start or the last shown special token: a leading "▁" goes.
    private var atStart: Bool

    /// `atMessageStart: false` continues text that already began (no dummy prefix to drop).
    public init(tokenizer: Tokenizer, showSpecialTokens: Bool = false, atMessageStart: Bool = true) {
        table = tokenizer.table
        self.showSpecialTokens = showSpecialTokens
        atStart = atMessageStart
    }

    /// Feeds one id and returns the text it completed (often empty).
    public mutating func append(_ id: Int32) -> String {
        let surface = table.surface(of: id, showSpecialTokens: showSpecialTokens)
        if case .byte(let value) = surface {
            pendingBytes.append(value)
            let completed = takeCharacters(final: false)
            if !completed.isEmpty { atStart = false }
            return emit(completed)
        }
        var output = takeCharacters(final: true)
        if !output.isEmpty { atStart = false }
        surface.appendShown(to: &output, atStart: &atStart)
        return emit(output)
    }

    /// Flushes bytes still waiting for the rest of their character (each becomes U+FFFD).
    public mutating func finish() -> String {
        emit(takeCharacters(final: true))
    }

    private func emit(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// Removes and returns the complete characters at the front of `pendingBytes`. Unless
    /// `final`, stops at a prefix that more bytes could still complete.
    private mutating func takeCharacters(final: Bool) -> [UInt8] {
        var output: [UInt8] = []
        var index = 0
        while index < pendingBytes.count {
            if let length = SentencePieceUTF8.characterLength(pendingBytes[...], at: index) {
                output += pendingBytes[index..<(index + length)]
                index += length
            } else if !final && SentencePieceUTF8.canComplete(pendingBytes[index...]) {
                break
            } else {
                output += SentencePieceUTF8.replacement
                index += 1
            }
        }
        pendingBytes.removeFirst(index)
        return output
    }
}
