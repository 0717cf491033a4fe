/// The text being typed: edited by grapheme (`Character`), laid out by display cells.
public struct InputEditor: Equatable, Sendable {
    public private(set) var text: String = ""
    /// Graphemes before the caret.
    public private(set) var caret: Int = 0

    public init(text: String = "") {
        self.text = text
        self.caret = text.count
    }

    public var isEmpty: Bool { text.isEmpty }

    public mutating func set(_ newText: String) {
        text = newText
        caret = newText.count
    }

    public mutating func clear() { set("") }

    public mutating func insert(_ inserted: String) {
        let cut = index(caret)
        let before = String(text[..<cut]) + inserted
        text = before + text[cut...]
        caret = min(before.count, text.count)
    }

    public mutating func backspace() {
        guard caret > 0 else { return }
        text.remove(at: index(caret - 1))
        caret -= 1
    }

    public mutating func deleteForward() {
        guard caret < text.count else { return }
        text.remove(at: index(caret))
    }

    public mutating func moveLeft() { caret = max(0, caret - 1) }
    public mutating func moveRight() { caret = min(text.count, caret + 1) }

    public mutating func moveToLineStart() {
        let characters = Array(text)
        while caret > 0, !characters[caret - 1].isNewline { caret -= 1 }
    }

    public mutating func moveToLineEnd() {
        let characters = Array(text)
        while caret < characters.count, !characters[caret].isNewline { caret += 1 }
    }

    public mutating func moveWordLeft() {
        let characters = Array(text)
        while caret > 0, characters[caret - 1].isWhitespace { caret -= 1 }
        while caret > 0, !characters[caret - 1].isWhitespace { caret -= 1 }
    }

    public mutating func moveWordRight() {
        let characters = Array(text)
        while caret < characters.count, characters[caret].isWhitespace { caret += 1 }
        while caret < characters.count, !characters[caret].isWhitespace { caret += 1 }
    }

    /// Ctrl+W: removes the word before the caret (and the spaces after it).
    public mutating func deleteWordBackward() {
        let end = caret
        moveWordLeft()
        text.removeSubrange(index(caret)..<index(end))
    }

    /// Ctrl+U: removes from the start of the line to the caret.
    public mutating func deleteToLineStart() {
        let end = caret
        moveToLineStart()
        text.removeSubrange(index(caret)..<index(end))
    }

    /// Ctrl+K: removes from the caret to the end of the line.
    public mutating func deleteToLineEnd() {
        let start = caret
        moveToLineEnd()
        text.removeSubrange(index(start)..<index(caret))
        caret = start
    }

    /// Lays the text out in `width` cells and finds the caret's cell. A caret after a full line
    /// goes to the start of the next row, so it is always inside the box.
    public func layout(width: Int) -> EditorLayout {
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

    /// Up/Down inside multi-line input: the row above or below, at the same display column
    /// (or the nearest grapheme boundary left of it). Returns false at the first/last row.
    public mutating func moveVertically(by delta: Int, width: Int) -> Bool {
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

public struct EditorLayout: Equatable, Sendable {
    public var lines: [TextLine]
    public var caret: Position
}
