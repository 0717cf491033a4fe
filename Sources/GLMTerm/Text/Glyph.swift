import GLMEngine

/// One drawable cell's content: the scalars sent to the terminal for one grapheme and the
/// number of display cells (0 for dropped format characters, 1 or 2) it occupies.
public struct Glyph: Equatable, Sendable {
    public var text: String
    public var width: Int

    public init(_ text: String, width: Int) {
        self.text = text
        self.width = width
    }
}

/// Turns graphemes into glyphs whose width the terminal and ncurses agree on: the one place text
/// is measured (drawing, layout, cutting with "…", the CLI's tables). Where terminals disagree on
/// emoji sequences, only the part everyone draws alike is sent; the rules, grapheme by grapheme,
/// are in docs/ARCHITECTURE.md ("Cell width"). The stored text is never changed.
public enum Glyphs {
    /// Tab stops for expanded tabs.
    public static let tabWidth = 8
    /// ncurses keeps at most five wide characters in a cell (CCHARW_MAX): one spacing + four marks.
    static let maxMarksPerCell = 4

    /// The glyphs that draw one grapheme. Most graphemes give one glyph; spacing scalars inside a
    /// cluster (a flag's two regional indicators, an Indic vowel sign) each get their own, as
    /// ncurses and the terminal both count them. Tabs are handled by the caller because their
    /// width depends on the column.
    public static func glyphs(for character: Character) -> [Glyph] {
        if let width = plainWidth(character) { return [Glyph(String(character), width: width)] }
        return clusterGlyphs(Array(character.unicodeScalars))
    }

    /// Display width of a grapheme as drawn (a tab counts as one cell here).
    public static func width(of character: Character) -> Int {
        if character == "\t" { return 1 }
        if let width = plainWidth(character) { return width }
        return clusterGlyphs(Array(character.unicodeScalars)).reduce(0) { $0 + $1.width }
    }

    /// The width of a grapheme that is one printable scalar (most text), which the rule draws as
    /// it is; nil when the whole rule is needed. Saves building arrays for every character.
    static func plainWidth(_ character: Character) -> Int? {
        let scalars = character.unicodeScalars
        guard let scalar = scalars.first, scalars.index(after: scalars.startIndex) == scalars.endIndex,
              visibleControl(scalar) == nil else { return nil }
        let width = wcwidthOf(scalar)
        return width > 0 ? min(width, 2) : nil
    }

    /// The rule applied to one grapheme's scalars.
    static func clusterGlyphs(_ scalars: [Unicode.Scalar]) -> [Glyph] {
        guard let base = scalars.first else { return [] }
        if visibleControl(base) != nil {
            // "\r\n" is one grapheme; every control scalar gets its own visible cell.
            return scalars.map { Glyph(String(Character(visibleControl($0) ?? "\u{FFFD}")), width: 1) }
        }
        let baseWidth = wcwidthOf(base)
        if baseWidth <= 0 {
            // A format character on its own (ZWSP, BOM, bidi marks) draws nothing; a lone combining
            // mark is shown on a dotted circle instead of attaching to whatever cell came before.
            if isDroppableFormat(base) { return [] }
            if baseWidth == 0 {
                var text = "\u{25CC}"
                text.unicodeScalars.append(contentsOf: scalars.prefix(maxMarksPerCell).filter { wcwidthOf($0) == 0 && !isDroppableFormat($0) })
                return [Glyph(text, width: 1)]
            }
            return [Glyph("\u{FFFD}", width: 1)]
        }
        let emojiBase = base.properties.isEmoji
        var glyphs: [Glyph] = []
        var text = String.UnicodeScalarView([base])
        var width = min(baseWidth, 2)
        var marks = 0
        for scalar in scalars.dropFirst() {
            if scalar.value == 0x200D && emojiBase { break }            // ZWJ sequence: the first emoji only
            if isEmojiModifier(scalar) { continue }                      // skin tone: two more cells to wcwidth
            let scalarWidth = wcwidthOf(scalar)
            if scalarWidth == 0 && !isDroppableFormat(scalar) {
                if marks < maxMarksPerCell { text.append(scalar) }
                marks += 1
                continue
            }
            guard scalarWidth > 0 else { continue }                      // VS16, ZWJ and other invisibles
            // A spacing scalar inside the cluster (a flag's second letter, an Indic vowel sign)
            // gets its own cell, as ncurses and the terminal both count it.
            glyphs.append(Glyph(String(text), width: width))
            text = String.UnicodeScalarView([scalar])
            width = min(scalarWidth, 2)
            marks = 0
        }
        glyphs.append(Glyph(String(text), width: width))
        return glyphs
    }

    /// Display width of a whole string without line breaks or tabs.
    public static func width(of text: String) -> Int {
        text.reduce(0) { $0 + width(of: $1) }
    }

    /// The longest prefix of `text` that fits in `cells`, with "…" in the last cell when anything
    /// was cut. Line breaks and tabs become spaces, so the result is one line.
    public static func truncated(_ text: String, toCells cells: Int) -> String {
        guard cells > 0 else { return "" }
        let flat = String(text.map { $0.isNewline || $0 == "\t" ? " " : $0 })
        let (kept, isCut) = fittingPrefix(of: flat[...], cells: cells)
        return isCut ? kept + "…" : flat
    }

    /// What of `text` is shown in `cells`: all of it when it fits, else the longest prefix that
    /// leaves one cell for "…" (`isCut`). The prefix shares `text`'s indices, so ranges found in
    /// the text (search matches) can be clipped to it.
    public static func fittingPrefix(of text: Substring, cells: Int) -> (prefix: Substring, isCut: Bool) {
        var used = 0
        var fitsWhole = text.startIndex   // end of the prefix that fits with room for "…"
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(after: index)
            used += width(of: text[index])
            if used > cells { return (text[..<fitsWhole], true) }
            if used <= cells - 1 { fitsWhole = next }
            index = next
        }
        return (text, false)
    }

    /// Cells a tab takes when it starts at `column`.
    public static func tabCells(atColumn column: Int) -> Int {
        tabWidth - (column % tabWidth)
    }

    /// Control characters become their visible Unicode "control picture" (␛, ␀, ␡) or U+FFFD for
    /// C1 controls, so they take one cell and never move the terminal's cursor (the same pictures
    /// the CLI prints: `ControlPictures`).
    static func visibleControl(_ scalar: Unicode.Scalar) -> Unicode.Scalar? {
        ControlPictures.picture(for: scalar)
    }

    static func isRegionalIndicator(_ scalar: Unicode.Scalar) -> Bool {
        (0x1F1E6...0x1F1FF).contains(scalar.value)
    }

    static func isEmojiModifier(_ scalar: Unicode.Scalar) -> Bool {
        (0x1F3FB...0x1F3FF).contains(scalar.value)
    }

    /// Invisible format characters that could reorder or hide text on the terminal.
    static func isDroppableFormat(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x202A...0x202E, 0x2060...0x2064,
             0x2066...0x2069, 0xFEFF, 0xFE0E, 0xFE0F, 0xE0001, 0xE0020...0xE007F:
            return true
        default:
            return false
        }
    }

    static func wcwidthOf(_ scalar: Unicode.Scalar) -> Int {
        ScalarWidth.of(scalar)
    }
}
