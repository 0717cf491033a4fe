import Testing
@testable import GLMTerm

/// Seeded random input: nothing traps, and the invariants hold on every size and every text.
@Suite struct RobustnessTests {
    /// A small deterministic generator (xorshift), so a failure is reproducible.
    struct Random {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Int(state % UInt64(bound))
        }
    }

    static let pieces = ["a", "word ", " ", "中", "文，", "😀", "👍🏽", "👨‍👩‍👧", "🇨🇳", "❤️", "e\u{301}", "\t", "\n", "\u{1B}",
                         "\u{200B}", "\u{301}", "1️⃣", "\r\n", "x", "long-unbroken-token-without-spaces", "。"]

    static func randomText(_ random: inout Random, length: Int) -> String {
        (0..<length).map { _ in pieces[random.next(pieces.count)] }.joined()
    }

    @Test func wrappingNeverOverflowsAnyWidth() {
        var random = Random(state: 0x9E3779B97F4A7C15)
        for _ in 0..<200 {
            let text = Self.randomText(&random, length: 30)
            let width = 2 + random.next(30)
            for mode in [WrapMode.words, .characters] {
                for line in TextLayout.wrap(text, width: width, mode: mode) {
                    #expect(line.width <= width)
                    #expect(line.width == line.glyphs.reduce(0) { $0 + $1.glyph.width })
                }
            }
        }
    }

    @Test func editorCaretStaysInsideTheTextAndTheBox() {
        var random = Random(state: 42)
        var editor = InputEditor()
        for _ in 0..<2000 {
            switch random.next(10) {
            case 0, 1, 2: editor.insert(Self.pieces[random.next(Self.pieces.count)])
            case 3: editor.backspace()
            case 4: editor.deleteForward()
            case 5: editor.moveLeft()
            case 6: editor.moveRight()
            case 7: _ = editor.moveVertically(by: random.next(2) == 0 ? -1 : 1, width: 7)
            case 8: editor.moveWordLeft()
            default: editor.deleteWordBackward()
            }
            #expect(editor.caret >= 0 && editor.caret <= editor.text.count)
            let layout = editor.layout(width: 7)
            #expect(layout.caret.column < 7)
            #expect(layout.caret.row < layout.lines.count)
        }
    }

    @Test func decoderSurvivesArbitraryInput() {
        var random = Random(state: 7)
        var decoder = KeyDecoder()
        let alphabet: [Unicode.Scalar] = ["\u{1B}", "[", "2", "0", "1", "~", "O", "A", ";", "5", "\r", "\n", "a", "中", "\u{7F}", "\u{03}"]
        for _ in 0..<500 {
            let batch = (0..<random.next(12)).map { _ in RawInput.scalar(alphabet[random.next(alphabet.count)]) }
            _ = decoder.feed(batch)
            if random.next(4) == 0 { _ = decoder.flush() }
        }
        // Whatever came before, a closed paste and plain text still decode.
        _ = decoder.feed("\u{1B}[201~".unicodeScalars.map { .scalar($0) })
        _ = decoder.flush()
        #expect(decoder.feed("\u{1B}[200~x\u{1B}[201~".unicodeScalars.map { .scalar($0) }) == [.paste("x")])
    }

    @MainActor @Test func everyScreenSizeRendersWithoutTrapping() async {
        let harness = AppHarness(replies: [Self.pieces.joined(separator: " ")])
        await harness.waitForModel()
        await harness.type("question 你好 👍🏽\r")
        await harness.pump { harness.app.activity == .idle }
        await harness.type("draft 中文")
        for rows in [1, 2, 3, 4, 5, 8, 24] {
            for columns in [1, 2, 3, 5, 10, 20, 79, 80, 81] {
                let (grid, cursor) = harness.app.render(size: Size(rows: rows, columns: columns))
                #expect(grid.size == Size(rows: rows, columns: columns))
                if let cursor {
                    #expect(cursor.row >= 0 && cursor.row < rows && cursor.column >= 0 && cursor.column < columns,
                            "\(rows)x\(columns): \(cursor)")
                }
            }
        }
        await harness.press([.key(.function(1))])
        for size in [Size(rows: 3, columns: 12), Size(rows: 6, columns: 40), Size(rows: 12, columns: 9)] {
            _ = harness.app.render(size: size)
        }
    }
}
