import Testing
@testable import GLMTerm

/// A bracketed paste read from the terminal in blocks (issue 20, item 8): the markers are found
/// whichever way the bytes are cut, UTF-8 cut between blocks is put together, malformed bytes
/// become U+FFFD, and what follows the end marker goes on to the key decoder unchanged.
@Suite struct PasteBytesTests {
    static func scalars(_ inputs: [RawInput]) -> String {
        var text = ""
        for case .scalar(let scalar) in inputs { text.unicodeScalars.append(scalar) }
        return text
    }

    /// ncurses's side: characters one by one until the start marker.
    static func deliver(_ text: String, to paste: inout PasteBytes) {
        for scalar in text.unicodeScalars { paste.noteDelivered(scalar) }
    }

    @Test func theStartMarkerSwitchesToBlocksAndTheEndMarkerBack() {
        var paste = PasteBytes()
        Self.deliver("ab\u{1B}[200", to: &paste)
        #expect(!paste.inPaste)
        Self.deliver("~", to: &paste)
        #expect(paste.inPaste)
        let inputs = paste.decode(Array("你好 😀\n\u{1B}[201~\u{1B}[Ax".utf8))
        #expect(Self.scalars(inputs) == "你好 😀\n\u{1B}[201~\u{1B}[Ax")
        #expect(!paste.inPaste)
        var keys = KeyDecoder()
        _ = keys.feed("\u{1B}[200~".unicodeScalars.map { .scalar($0) })
        #expect(keys.feed(inputs) == [.paste("你好 😀\n"), .up, .text("x")])
    }

    @Test func aKeyCodeOrAnotherCharacterBreaksAMarker() {
        var paste = PasteBytes()
        Self.deliver("\u{1B}[20", to: &paste)
        paste.noteKey()
        Self.deliver("0~", to: &paste)
        #expect(!paste.inPaste)
        Self.deliver("\u{1B}[2\u{1B}[200~", to: &paste)
        #expect(paste.inPaste)
    }

    @Test func everyCutOfTheBytesGivesTheSameScalars() {
        let text = "Lorem 你好世界 😀 é\r\nx\u{1B}[201~after 文"
        let bytes = Array(text.utf8)
        for cut in 1..<bytes.count {
            var paste = PasteBytes()
            Self.deliver("\u{1B}[200~", to: &paste)
            let inputs = paste.decode(bytes[..<cut]) + paste.decode(bytes[cut...])
            #expect(Self.scalars(inputs) == text, "cut at \(cut)")
            #expect(!paste.isWaitingForBytes)
            #expect(!paste.inPaste)
        }
    }

    @Test func aCutCharacterWaitsForItsLastBytes() {
        var paste = PasteBytes()
        Self.deliver("\u{1B}[200~", to: &paste)
        let emoji = Array("😀".utf8)
        #expect(paste.decode(emoji.prefix(1)).isEmpty)
        #expect(paste.isWaitingForBytes)
        #expect(paste.bytesWanted == 3)
        #expect(paste.decode(emoji[1..<3]).isEmpty)
        #expect(paste.bytesWanted == 1)
        #expect(Self.scalars(paste.decode(emoji.suffix(1))) == "😀")
        #expect(!paste.isWaitingForBytes)
    }

    @Test func malformedBytesAreReplacementCharacters() {
        var paste = PasteBytes()
        Self.deliver("\u{1B}[200~", to: &paste)
        // a stray continuation byte, an overlong "/", a surrogate, a lead byte no sequence has,
        // and a three-byte lead followed by ASCII
        let inputs = paste.decode([0x80, 0xC0, 0xAF, 0xED, 0xA0, 0x80, 0xFF, 0xE4, 0x41])
        #expect(Self.scalars(inputs) == String(repeating: "\u{FFFD}", count: 8) + "A")
        #expect(paste.inPaste)
    }

    @Test func abandoningTurnsACutCharacterIntoAReplacementAndLeavesThePaste() {
        var paste = PasteBytes()
        Self.deliver("\u{1B}[200~", to: &paste)
        #expect(Self.scalars(paste.decode([0x61, 0xE4, 0xBD])) == "a")
        #expect(Self.scalars(paste.abandon()) == "\u{FFFD}\u{FFFD}")
        #expect(!paste.inPaste)
        #expect(!paste.isWaitingForBytes)
    }

    @Test func theFuzzTargetsSeedsReadToTheirEnd() {
        TerminalInputFuzzing.read(Array("hi\u{1B}[200~line one 你好\nline two 😀\r\n\u{1B}[201~\u{1B}[Aok\r".utf8))
        TerminalInputFuzzing.read([0x1B, 0x5B, 0x32, 0x30, 0x30, 0x7E, 0xE4, 0xBD, 0xFF, 0xF0, 0x9F, 0x98])
    }
}
