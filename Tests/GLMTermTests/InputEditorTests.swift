import Testing
@testable import GLMTerm

@Suite struct InputEditorTests {
    @Test func editsByGrapheme() {
        var editor = InputEditor()
        editor.insert("a👍🏽中e\u{301}")
        #expect(editor.caret == 4)
        editor.backspace()
        #expect(editor.text == "a👍🏽中")
        editor.moveLeft()
        editor.backspace()
        #expect(editor.text == "a中")
        #expect(editor.caret == 1)
        editor.deleteForward()
        #expect(editor.text == "a")
    }

    @Test func combiningMarkTypedSeparatelyJoinsItsBase() {
        var editor = InputEditor()
        editor.insert("e")
        editor.insert("\u{301}")
        #expect(editor.text.count == 1)
        #expect(editor.caret == 1)
    }

    @Test func caretIsPlacedByWidth() {
        var editor = InputEditor(text: "你好ab")
        #expect(editor.layout(width: 20).caret == Position(row: 0, column: 6))
        editor.moveLeft()
        editor.moveLeft()
        #expect(editor.layout(width: 20).caret == Position(row: 0, column: 4))
    }

    @Test func caretWrapsWithTheText() {
        let editor = InputEditor(text: "abc你好")   // width 4: "abc" then "你好"
        let layout = editor.layout(width: 4)
        // After a full row the caret takes a fresh row, so it stays inside the box.
        #expect(layout.lines.map(\.text) == ["abc", "你好", ""])
        #expect(layout.caret == Position(row: 2, column: 0))
    }

    @Test func multiLineCaretAndVerticalMoves() {
        var editor = InputEditor(text: "你好世界\nab")
        #expect(editor.layout(width: 20).caret == Position(row: 1, column: 2))
        let r1 = editor.moveVertically(by: -1, width: 20)
        #expect(r1)
        #expect(editor.caret == 1)    // column 2 lands after 你
        #expect(editor.layout(width: 20).caret == Position(row: 0, column: 2))
        let r2 = editor.moveVertically(by: -1, width: 20)
        #expect(!r2)
        editor.moveToLineEnd()
        #expect(editor.caret == 4)
        editor.moveToLineStart()
        #expect(editor.caret == 0)
    }

    @Test func wordAndLineDeletion() {
        var editor = InputEditor(text: "hello big world")
        editor.deleteWordBackward()
        #expect(editor.text == "hello big ")
        editor.moveWordLeft()
        #expect(editor.caret == 6)
        editor.deleteToLineEnd()
        #expect(editor.text == "hello ")
        editor.deleteToLineStart()
        #expect(editor.text == "")
    }

    @Test func historyWalksNewestFirstAndBackToEmpty() {
        var history = InputHistory()
        history.record("one")
        history.record("two")
        history.record("two")
        let r3 = history.older()
        #expect(r3 == "two")
        let r4 = history.older()
        #expect(r4 == "one")
        let r5 = history.older()
        #expect(r5 == nil)
        let r6 = history.newer()
        #expect(r6 == "two")
        let r7 = history.newer()
        #expect(r7 == "")
        #expect(!history.isWalking)
    }
}
