import Testing
@testable import GLMTerm

/// The editor keeps its text as graphemes and lays out only the rows around the caret (issue 20,
/// item 8). Checked against the editor as it was before: a String, edited and wrapped whole.
@Suite struct EditorWindowedLayoutTests {
    /// The editor before the windowed layout, kept as the reference: a String edited by
    /// grapheme, the whole text wrapped for every layout.
    struct StringEditor {
        var text = ""
        var caret = 0

        mutating func insert(_ inserted: String) {
            let cut = index(caret)
            let before = String(text[..<cut]) + inserted
            text = before + text[cut...]
            caret = min(before.count, text.count)
        }

        mutating func backspace() {
            guard caret > 0 else { return }
            text.remove(at: index(caret - 1))
            caret -= 1
        }

        mutating func deleteForward() {
            guard caret < text.count else { return }
            text.remove(at: index(caret))
        }

        mutating func moveToLineStart() {
            let characters = Array(text)
            while caret > 0, !characters[caret - 1].isNewline { caret -= 1 }
        }

        mutating func moveToLineEnd() {
            let characters = Array(text)
            while caret < characters.count, !characters[caret].isNewline { caret += 1 }
        }

        mutating func moveWordLeft() {
            let characters = Array(text)
            while caret > 0, characters[caret - 1].isWhitespace { caret -= 1 }
            while caret > 0, !characters[caret - 1].isWhitespace { caret -= 1 }
        }

        mutating func deleteWordBackward() {
            let end = caret
            moveWordLeft()
            text.removeSubrange(index(caret)..<index(end))
        }

        mutating func deleteToLineStart() {
            let end = caret
            moveToLineStart()
            text.removeSubrange(index(caret)..<index(end))
        }

        mutating func deleteToLineEnd() {
            let start = caret
            moveToLineEnd()
            text.removeSubrange(index(start)..<index(caret))
            caret = start
        }

        func layout(width: Int) -> EditorLayout {
            var lines = TextLayout.wrap(text, width: width, mode: .characters)
            var row = 0
            for (index, line) in lines.enumerated() where line.start <= caret { row = index }
            var column = lines[row].glyphs.filter { $0.source < caret }.reduce(0) { $0 + $1.glyph.width }
            if column >= max(2, width) {
                row += 1
                column = 0
                if row == lines.count { lines.append(TextLine(start: caret)) }
            }
            return EditorLayout(lines: lines, caret: Position(row: row, column: column))
        }

        /// What a box of `rows` rows shows of the whole layout (as InputBoxView scrolls it).
        func window(width: Int, rows: Int) -> EditorLayout {
            let full = layout(width: width)
            let first = max(0, full.caret.row - rows + 1)
            let shown = Array(full.lines[first..<min(full.lines.count, first + rows)])
            return EditorLayout(lines: shown, caret: Position(row: full.caret.row - first, column: full.caret.column))
        }

        mutating func moveVertically(by delta: Int, width: Int) -> Bool {
            let current = layout(width: width)
            let target = current.caret.row + delta
            guard target >= 0, target < current.lines.count else { return false }
            let line = current.lines[target]
            var column = 0
            var offset = line.start
            var lastSource = -1
            for placed in line.glyphs where placed.source != lastSource {
                let glyphWidth = line.glyphs.filter { $0.source == placed.source }.reduce(0) { $0 + $1.glyph.width }
                if column + glyphWidth > current.caret.column { break }
                column += glyphWidth
                offset = placed.source + 1
                lastSource = placed.source
            }
            caret = min(offset, text.count)
            return true
        }

        private func index(_ offset: Int) -> String.Index {
            text.index(text.startIndex, offsetBy: max(0, min(offset, text.count)))
        }
    }

    typealias Random = RobustnessTests.Random

    /// Graphemes of every kind the wrap treats apart: wide, several glyphs (flags, a vowel sign
    /// that takes its own cell), nothing drawn, tabs, every line break, marks that join.
    static let pieces = RobustnessTests.pieces + ["\u{915}\u{93F}", "\u{915}\u{93E}\u{93F}\u{940}", "🇺🇸🇬🇧", "\r", "\u{2028}",
                                                  "\u{0B}", "\u{85}", "\u{FEFF}", "abcdefghij", "你好世界你好"]

    static func randomText(_ random: inout Random, length: Int) -> String {
        (0..<length).map { _ in pieces[random.next(pieces.count)] }.joined()
    }

    static func editor(_ text: String, caret: Int) -> (InputEditor, StringEditor) {
        var editor = InputEditor(text: text)
        var reference = StringEditor(text: text, caret: text.count)
        while editor.caret > caret { editor.moveLeft() }
        reference.caret = editor.caret
        return (editor, reference)
    }

    @Test func windowedRowsAreTheWholeWrapsRowsAtTheSamePlaces() {
        var random = Random(state: 2026)
        for _ in 0..<400 {
            let text = Self.randomText(&random, length: random.next(30))
            let (editor, reference) = Self.editor(text, caret: random.next(text.count + 1))
            let width = 1 + random.next(12)
            #expect(editor.layout(width: width) == reference.layout(width: width), "\(text.debugDescription) caret \(editor.caret) width \(width)")
            for rows in [1, 2, 3, 5, 10] {
                let windowed = editor.layout(width: width, rows: rows)
                let expected = reference.window(width: width, rows: rows)
                #expect(windowed == expected, "\(text.debugDescription) caret \(editor.caret) width \(width) rows \(rows)")
            }
        }
    }

    @Test func verticalMovesLandWhereTheWholeWrapSays() {
        var random = Random(state: 99)
        for _ in 0..<400 {
            let text = Self.randomText(&random, length: random.next(25))
            var (editor, reference) = Self.editor(text, caret: random.next(text.count + 1))
            let width = 2 + random.next(10)
            let delta = random.next(2) == 0 ? -1 : 1
            let moved = editor.moveVertically(by: delta, width: width)
            let expectedMove = reference.moveVertically(by: delta, width: width)
            #expect(moved == expectedMove)
            #expect(editor.caret == reference.caret, "\(text.debugDescription) width \(width) delta \(delta)")
        }
    }

    @Test func editsMatchTheStringEditor() {
        var random = Random(state: 7)
        var editor = InputEditor()
        var reference = StringEditor()
        for step in 0..<1500 {
            switch random.next(12) {
            case 0, 1, 2, 3:
                let piece = Self.pieces[random.next(Self.pieces.count)]
                editor.insert(piece)
                reference.insert(piece)
            case 4: editor.backspace(); reference.backspace()
            case 5: editor.deleteForward(); reference.deleteForward()
            case 6:
                editor.moveLeft()
                reference.caret = max(0, reference.caret - 1)
            case 7: editor.moveToLineStart(); reference.moveToLineStart()
            case 8: editor.moveToLineEnd(); reference.moveToLineEnd()
            case 9: editor.deleteWordBackward(); reference.deleteWordBackward()
            case 10:
                let delta = random.next(2) == 0 ? -1 : 1
                let moved = editor.moveVertically(by: delta, width: 9)
                #expect(moved == reference.moveVertically(by: delta, width: 9))
            default:
                if random.next(2) == 0 { editor.deleteToLineStart(); reference.deleteToLineStart() } else { editor.deleteToLineEnd(); reference.deleteToLineEnd() }
            }
            #expect(editor.text == reference.text, "step \(step)")
            #expect(editor.characters.count == reference.text.count, "step \(step)")
            #expect(editor.caret == reference.caret, "step \(step)")
            #expect(editor.layout(width: 9, rows: 4) == reference.window(width: 9, rows: 4), "step \(step)")
            if editor.characters.count > 400 {
                editor.clear()
                reference = StringEditor()
            }
        }
    }

    @Test func aSingleHugeLineIsLaidOutAroundTheCaret() {
        let unit = "Lorem ipsum 你好世界 😀 dolor sit amet, 🇺🇸 e\u{301}\t"
        let text = String(repeating: unit, count: 400)   // one line, no break, about 14,000 graphemes
        let (editor, reference) = Self.editor(text, caret: text.count)
        let full = reference.layout(width: 37)
        for caret in [0, 1, 5_000, 5_001, full.lines[100].start, full.lines[100].start - 1, editor.count - 1, editor.count] {
            var (moved, movedReference) = Self.editor(text, caret: caret)
            let rows = moved.layout(width: 37, rows: 10)
            #expect(rows == movedReference.window(width: 37, rows: 10), "caret \(caret)")
            #expect(rows.lines.count == 10)
            // Up and Down cross the rows as in the whole wrap.
            for delta in [-1, -1, 1, 1, 1] {
                let went = moved.moveVertically(by: delta, width: 37)
                #expect(went == movedReference.moveVertically(by: delta, width: 37))
                #expect(moved.caret == movedReference.caret, "caret \(caret) delta \(delta)")
            }
        }
        #expect(editor.layout(width: 37).lines.count == full.lines.count)
    }

    static func move(_ editor: inout InputEditor, by delta: Int) -> Bool {
        editor.moveVertically(by: delta, width: 4)
    }

    @Test func upAndDownWalkTheRowsOfAWrappedLine() {
        var editor = InputEditor(text: "abcd你好ef\ngh")   // width 4: "abcd" "你好" "ef" then "gh"
        #expect(editor.layout(width: 4).lines.map(\.text) == ["abcd", "你好", "ef", "gh"])
        #expect(Self.move(&editor, by: -1))
        #expect(editor.caret == 8)          // "ef" at column 2: its end
        #expect(Self.move(&editor, by: -1))
        #expect(editor.caret == 5)          // column 2 falls after 你
        #expect(Self.move(&editor, by: -1))
        #expect(editor.caret == 2)
        #expect(!Self.move(&editor, by: -1))
        #expect(Self.move(&editor, by: 1))
        #expect(editor.caret == 5)
        // A box of two rows shows the caret's row and the one before it.
        editor.moveToLineEnd()
        editor.moveRight()
        editor.moveToLineEnd()
        #expect(editor.layout(width: 4, rows: 2).lines.map(\.text) == ["ef", "gh"])
        #expect(editor.layout(width: 4, rows: 2).caret == Position(row: 1, column: 2))
    }

    @Test func aCaretAfterAFullLastRowTakesAFreshRowInTheWindow() {
        let editor = InputEditor(text: "abcdefgh")   // width 4: "abcd" "efgh", caret after the full row
        let layout = editor.layout(width: 4, rows: 2)
        #expect(layout.lines.map(\.text) == ["efgh", ""])
        #expect(layout.caret == Position(row: 1, column: 0))
        #expect(editor.layout(width: 4, rows: 1).lines.map(\.text) == [""])
    }
}
