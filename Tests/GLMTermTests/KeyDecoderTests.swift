import Testing
@testable import GLMTerm

@Suite struct KeyDecoderTests {
    private func scalars(_ text: String) -> [RawInput] {
        text.unicodeScalars.map { .scalar($0) }
    }

    @Test func typedTextIsCoalesced() {
        var decoder = KeyDecoder()
        let r1 = decoder.feed(scalars("你好 👍🏽"))
        #expect(r1 == [.text("你好 👍🏽")])
    }

    @Test func enterAloneSendsAndCtrlJIsNewline() {
        var decoder = KeyDecoder()
        let r2 = decoder.feed(scalars("hi\r"))
        #expect(r2 == [.text("hi"), .enter])
        let r3 = decoder.feed(scalars("\n"))
        #expect(r3 == [.newline])
    }

    @Test func bracketedPasteIsOneKeyEvenAcrossBatches() {
        var decoder = KeyDecoder()
        let r4 = decoder.feed(scalars("\u{1B}[200~line one\r\nline"))
        #expect(r4.isEmpty)
        #expect(decoder.isPasting)
        let r5 = decoder.feed(scalars(" two\rthree\u{1B}[201~x"))
        #expect(r5 == [.paste("line one\nline two\nthree"), .text("x")])
        #expect(!decoder.isPasting)
    }

    /// A paste is taken in runs up to each ESC; wherever the reads split it (inside "\r\n", inside
    /// an ESC sequence that is part of the paste, inside the end marker), the paste is the same.
    @Test func pasteIsTheSameWhereverTheReadsSplitIt() {
        let input = scalars("\u{1B}[200~a\r\nb\u{1B}[1mc\u{1B}\u{1B}[20d\re\u{1B}[201~z")
        for first in 0...input.count {
            for second in first...input.count where second == first || second == input.count || (second - first) % 3 == 1 {
                var decoder = KeyDecoder()
                let keys = decoder.feed(Array(input[..<first])) + decoder.feed(Array(input[first..<second]))
                    + decoder.feed(Array(input[second...]))
                #expect(keys == [.paste("a\nb\u{1B}[1mc\u{1B}\u{1B}[20d\ne"), .text("z")], "split at \(first), \(second)")
            }
        }
    }

    @Test func pasteWithEnterKeyCodesStaysText() {
        var decoder = KeyDecoder()
        let batch: [RawInput] = scalars("\u{1B}[200~a") + [.key(.enter)] + scalars("b\u{1B}[201~")
        let r6 = decoder.feed(batch)
        #expect(r6 == [.paste("a\nb")])
    }

    @Test func unbracketedMultiLinePasteDoesNotSend() {
        var decoder = KeyDecoder()
        let r7 = decoder.feed(scalars("first\rsecond\r"))
        #expect(r7 == [.text("first\nsecond"), .enter])
    }

    @Test func loneEscapeWaitsForFlush() {
        var decoder = KeyDecoder()
        let r8 = decoder.feed(scalars("\u{1B}"))
        #expect(r8.isEmpty)
        let r9 = decoder.flush()
        #expect(r9 == [.escape])
        let r10 = decoder.flush()
        #expect(r10.isEmpty)
    }

    @Test func altKeysAndAltEnter() {
        var decoder = KeyDecoder()
        let r11 = decoder.feed(scalars("\u{1B}\r"))
        #expect(r11 == [.newline])
        let r12 = decoder.feed(scalars("\u{1B}b"))
        #expect(r12 == [.alt("b")])
        let r13 = decoder.feed([.scalar("\u{1B}"), .key(.enter)])
        #expect(r13 == [.newline])
    }

    @Test func controlKeysAndCSI() {
        var decoder = KeyDecoder()
        let r14 = decoder.feed(scalars("\u{03}\u{04}\u{0C}\u{7F}\t"))
        #expect(r14 == [.control("c"), .control("d"), .control("l"), .backspace, .tab])
        let sequences = decoder.feed(scalars("\u{1B}[A\u{1B}[1;5C\u{1B}[3~\u{1B}[5~\u{1B}OP\u{1B}[15~"))
        #expect(sequences == [.up, .wordRight, .delete, .pageUp, .function(1), .function(5)])
    }

    @Test func backendKeysPassThrough() {
        var decoder = KeyDecoder()
        let passed = decoder.feed([.key(.function(1)), .wheel(up: true), .resize(Size(rows: 3, columns: 4))])
        #expect(passed == [.function(1), .wheelUp, .resize(Size(rows: 3, columns: 4))])
    }
}
