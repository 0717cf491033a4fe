import GLMEngine

/// Keys while the input has the focus: typing, editing, history.
extension ChatApp {
    func handleInput(_ key: Key) {
        let columns = inputColumns
        switch key {
        case .text(let text):
            history.stopWalking()
            editor.insert(text)
        case .paste(let text):
            history.stopWalking()
            editor.insert(text)
        case .enter: submit()
        case .newline: editor.insert("\n")
        case .backspace: editor.backspace()
        case .delete: editor.deleteForward()
        case .control("d"):
            if editor.isEmpty { wantsQuit = true } else { editor.deleteForward() }
        case .left, .control("b"): editor.moveLeft()
        case .right, .control("f"): editor.moveRight()
        case .wordLeft, .alt("b"): editor.moveWordLeft()
        case .wordRight, .alt("f"): editor.moveWordRight()
        case .control("a"): editor.moveToLineStart()
        case .control("e"): editor.moveToLineEnd()
        case .home:
            if editor.isEmpty { transcript.scrollToTop() } else { editor.moveToLineStart() }
        case .end:
            if editor.isEmpty { transcript.scrollToBottom() } else { editor.moveToLineEnd() }
        case .control("w"), .alt("\u{7F}"): editor.deleteWordBackward()
        case .control("u"): editor.deleteToLineStart()
        case .control("k"): editor.deleteToLineEnd()
        case .up:
            if editor.isEmpty || history.isWalking {
                if let entry = history.older() { editor.set(entry) }
            } else {
                _ = editor.moveVertically(by: -1, width: columns)
            }
        case .down:
            if history.isWalking {
                if let entry = history.newer() { editor.set(entry) }
            } else {
                _ = editor.moveVertically(by: 1, width: columns)
            }
        default:
            break
        }
    }

    /// The rows of the input a box `columns` wide can show (at most `ScreenLayout.inputRowLimit`,
    /// around the caret). Kept until the editor changes: a frame that does not touch the input
    /// does not lay it out again.
    func inputLayout(columns: Int) -> EditorLayout {
        let width = InputBoxView.textWidth(columns: columns)
        if let cached = inputLayoutCache, cached.width == width { return cached.layout }
        let layout = editor.layout(width: width, rows: ScreenLayout.inputRowLimit)
        inputLayoutCache = (width, layout)
        return layout
    }
}
