/// The text being typed: edited by grapheme (`Character`), laid out by display cells.
///
/// The text is kept as an array of graphemes, so the caret is an index and an edit costs a move
/// of the text after it, not a walk from the start: a megabyte paste stays as quick to edit as a
/// line. Beside each grapheme is its layout code (`LayoutCode`), so that finding where a long
/// line wraps sums bytes instead of measuring graphemes (see InputEditor+Layout.swift).
public struct InputEditor: Equatable, Sendable {
    /// The text's graphemes. A grapheme joined by an edit (a combining mark typed after its base)
    /// is merged into one, as in a `String`.
    public private(set) var characters: [Character] = []
    /// `LayoutCode` of each grapheme in `characters`.
    private(set) var codes: [UInt8] = []
    /// Graphemes before the caret.
    public internal(set) var caret: Int = 0

    public init(text: String = "") {
        set(text)
    }

    /// The whole text. Builds a string of it: for sending and saving, not for every key or frame.
    public var text: String { String(characters) }

    public var count: Int { characters.count }
    public var isEmpty: Bool { characters.isEmpty }

    public static func == (lhs: InputEditor, rhs: InputEditor) -> Bool {
        lhs.caret == rhs.caret && lhs.characters == rhs.characters
    }

    public mutating func set(_ newText: String) {
        characters = Array(newText)
        codes = characters.map(LayoutCode.of)
        caret = characters.count
    }

    public mutating func clear() { set("") }

    public mutating func insert(_ inserted: String) {
        let (start, headLength) = replace(caret..<caret, with: inserted)
        // The caret goes after the inserted text, counted as a String counts the text before it:
        // a mark that joins the grapheme after it leaves the caret after that grapheme.
        var offset = 0
        var index = start
        while index < characters.count, offset < headLength {
            offset += characters[index].utf8.count
            index += 1
        }
        caret = index
    }

    public mutating func backspace() {
        guard caret > 0 else { return }
        replace(caret - 1..<caret, with: "")
        caret = min(caret - 1, characters.count)
    }

    public mutating func deleteForward() {
        guard caret < characters.count else { return }
        replace(caret..<caret + 1, with: "")
        caret = min(caret, characters.count)
    }

    public mutating func moveLeft() { caret = max(0, caret - 1) }
    public mutating func moveRight() { caret = min(characters.count, caret + 1) }

    public mutating func moveToLineStart() {
        while caret > 0, codes[caret - 1] != LayoutCode.lineBreak { caret -= 1 }
    }

    public mutating func moveToLineEnd() {
        while caret < codes.count, codes[caret] != LayoutCode.lineBreak { caret += 1 }
    }

    public mutating func moveWordLeft() {
        while caret > 0, characters[caret - 1].isWhitespace { caret -= 1 }
        while caret > 0, !characters[caret - 1].isWhitespace { caret -= 1 }
    }

    public mutating func moveWordRight() {
        while caret < characters.count, characters[caret].isWhitespace { caret += 1 }
        while caret < characters.count, !characters[caret].isWhitespace { caret += 1 }
    }

    /// Ctrl+W: removes the word before the caret (and the spaces after it).
    public mutating func deleteWordBackward() {
        let end = caret
        moveWordLeft()
        replace(caret..<end, with: "")
        caret = min(caret, characters.count)
    }

    /// Ctrl+U: removes from the start of the line to the caret.
    public mutating func deleteToLineStart() {
        let end = caret
        moveToLineStart()
        replace(caret..<end, with: "")
        caret = min(caret, characters.count)
    }

    /// Ctrl+K: removes from the caret to the end of the line.
    public mutating func deleteToLineEnd() {
        let start = caret
        moveToLineEnd()
        replace(start..<caret, with: "")
        caret = min(start, characters.count)
    }

    /// Graphemes either side of an edit that are split again with it.
    static let resplitContext = 32

    /// Replaces the graphemes in `range` with `inserted`. The few graphemes either side are split
    /// again together with it, so graphemes that the edit joins (a base and a mark typed after
    /// it, "\r" and "\n") become one as they would in a String. Returns where the split-again
    /// part starts and the UTF-8 length of its part up to the end of `inserted`.
    @discardableResult
    private mutating func replace(_ range: Range<Int>, with inserted: String) -> (start: Int, headLength: Int) {
        let start = max(0, range.lowerBound - Self.resplitContext)
        let end = min(characters.count, range.upperBound + Self.resplitContext)
        let head = String(characters[start..<range.lowerBound]) + inserted
        let replacement = Array(head + String(characters[range.upperBound..<end]))
        characters.replaceSubrange(start..<end, with: replacement)
        codes.replaceSubrange(start..<end, with: replacement.map(LayoutCode.of))
        return (start, head.utf8.count)
    }
}

/// How the editor's wrap treats a grapheme, in a byte: its width when it draws as one glyph of
/// one or two cells (0 when it draws nothing), or one of the markers below.
enum LayoutCode {
    static let lineBreak: UInt8 = 253
    static let tab: UInt8 = 254
    /// Several glyphs (a flag, an Indic cluster): the wrap asks `Glyphs` for them.
    static let glyphs: UInt8 = 255

    static func of(_ character: Character) -> UInt8 {
        if let ascii = character.asciiValue {   // "\r\n" gives 10
            switch ascii {
            case 9: return tab
            case 10...13: return lineBreak
            case 0x20..<0x7F: return 1
            default: break
            }
        }
        if character.isNewline { return lineBreak }
        if let width = Glyphs.plainWidth(character) { return UInt8(width) }
        let glyphs = Glyphs.glyphs(for: character)
        if glyphs.isEmpty { return 0 }
        if glyphs.count == 1, (1...2).contains(glyphs[0].width) { return UInt8(glyphs[0].width) }
        return Self.glyphs
    }
}
