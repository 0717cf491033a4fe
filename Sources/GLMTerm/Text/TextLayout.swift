/// A run of text in one style: the input of wrapping.
public struct Span: Equatable, Sendable {
    public var text: String
    public var style: Style

    public init(_ text: String, style: Style = .plain) {
        self.text = text
        self.style = style
    }
}

/// A glyph placed on a wrapped line, with the offset (in graphemes) of the character it came from.
public struct PlacedGlyph: Equatable, Sendable {
    public var glyph: Glyph
    public var style: Style
    public var source: Int
}

/// One display line after wrapping. `start` is the grapheme offset where the line begins.
public struct TextLine: Equatable, Sendable {
    public var glyphs: [PlacedGlyph] = []
    public var width: Int = 0
    public var start: Int

    public init(start: Int) { self.start = start }

    public var text: String { glyphs.map(\.glyph.text).joined() }
}

public enum WrapMode: Sendable {
    /// Words break at spaces (a word longer than the line is hard-broken); wide characters such
    /// as CJK break anywhere. For reading.
    case words
    /// Every grapheme may end a line and spaces are kept. For the editor, where every offset
    /// must have a place.
    case characters
}

/// Lays text out in display cells. No line is wider than `width`, and a wide glyph never
/// straddles the right edge.
public enum TextLayout {
    public static func wrap(_ text: String, width: Int, style: Style = .plain, mode: WrapMode = .words) -> [TextLine] {
        wrap([Span(text, style: style)], width: width, mode: mode)
    }

    public static func wrap(_ spans: [Span], width: Int, mode: WrapMode = .words) -> [TextLine] {
        let width = max(2, width)
        var builder = LineBuilder(width: width, mode: mode)
        var offset = 0
        for span in spans {
            for character in span.text {
                builder.add(character, style: span.style, offset: offset)
                offset += 1
            }
        }
        return builder.finish(endOffset: offset)
    }

    /// Wraps graphemes in `.characters` mode as if they stood at `startOffset` of a longer text.
    /// They must begin a row there (the start of a line, or a row the wrap began at a grapheme):
    /// then the rows are the ones the whole text's wrap gives. The editor wraps only the rows it
    /// shows this way.
    static func wrapCharacters(_ characters: ArraySlice<Character>, startOffset: Int, width: Int) -> [TextLine] {
        var builder = LineBuilder(width: max(2, width), mode: .characters, start: startOffset)
        var offset = startOffset
        for character in characters {
            builder.add(character, style: .plain, offset: offset)
            offset += 1
        }
        return builder.finish(endOffset: offset)
    }
}

/// Greedy line filling. A "word" is a run of narrow non-space glyphs; it is held back until it
/// ends so it can move to the next line as a whole.
private struct LineBuilder {
    let width: Int
    let mode: WrapMode
    var lines: [TextLine] = []
    var current: TextLine
    var word: [PlacedGlyph] = []
    var wordWidth = 0

    init(width: Int, mode: WrapMode, start: Int = 0) {
        self.width = width
        self.mode = mode
        self.current = TextLine(start: start)
    }

    mutating func add(_ character: Character, style: Style, offset: Int) {
        if character.isNewline {
            flushWord()
            lines.append(current)
            current = TextLine(start: offset + 1)
            return
        }
        if character == "\t" {
            flushWord()
            let column = current.width
            if column >= width { breakLine(at: offset) }
            let cells = min(Glyphs.tabCells(atColumn: current.width), width - current.width)
            for _ in 0..<cells { append(PlacedGlyph(glyph: Glyph(" ", width: 1), style: style, source: offset)) }
            return
        }
        let glyphs = Glyphs.glyphs(for: character).map { PlacedGlyph(glyph: $0, style: style, source: offset) }
        guard !glyphs.isEmpty else { return }
        if mode == .characters {
            let total = glyphs.reduce(0) { $0 + $1.glyph.width }
            if current.width + total > width, !current.glyphs.isEmpty { breakLine(at: offset) }
            glyphs.forEach { place($0) }
            return
        }
        if character == " " {
            flushWord()
            if current.width + 1 > width {
                breakLine(at: offset + 1)   // the space that ended the line is not drawn
            } else {
                append(glyphs[0])
            }
            return
        }
        if glyphs.allSatisfy({ $0.glyph.width == 1 }) {
            word += glyphs
            wordWidth += glyphs.count
            return
        }
        flushWord()
        glyphs.forEach { place($0) }
    }

    /// Places the held word: on this line if it fits, else on a fresh line, else hard-broken.
    mutating func flushWord() {
        guard !word.isEmpty else { return }
        if current.width + wordWidth > width, wordWidth <= width, current.width > 0 {
            breakLine(at: word[0].source)
        }
        word.forEach { place($0) }
        word.removeAll()
        wordWidth = 0
    }

    mutating func place(_ glyph: PlacedGlyph) {
        if current.width + glyph.glyph.width > width, current.width > 0 { breakLine(at: glyph.source) }
        append(glyph)
    }

    mutating func append(_ glyph: PlacedGlyph) {
        current.glyphs.append(glyph)
        current.width += glyph.glyph.width
    }

    /// A soft break in reading mode drops the spaces it happened at.
    mutating func breakLine(at offset: Int) {
        if mode == .words {
            while let last = current.glyphs.last, last.glyph.text == " " {
                current.glyphs.removeLast()
                current.width -= 1
            }
        }
        lines.append(current)
        current = TextLine(start: offset)
    }

    mutating func finish(endOffset: Int) -> [TextLine] {
        flushWord()
        lines.append(current)
        return lines
    }
}
