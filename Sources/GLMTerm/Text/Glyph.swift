#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

/// Turns graphemes into glyphs whose width the terminal and ncurses agree on.
///
/// ncurses gives every cell one spacing character plus a few zero-width ones and computes widths
/// per scalar with `wcwidth`; terminals differ on emoji sequences (some draw a ZWJ family or a
/// skin-toned thumb as one 2-cell picture, others as several). Where they might disagree we draw
/// the part everyone agrees on: the first emoji of a ZWJ sequence, an emoji without its skin tone,
/// a narrow symbol without VS16. The stored text is never changed, only what is drawn.
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
        let scalars = Array(character.unicodeScalars)
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

    /// Display width of a grapheme as drawn (tabs count as one cell here; see `expandTab`).
    public static func width(of character: Character) -> Int {
        if character == "\t" { return 1 }
        return glyphs(for: character).reduce(0) { $0 + $1.width }
    }

    /// Display width of a whole string without line breaks or tabs.
    public static func width(of text: String) -> Int {
        text.reduce(0) { $0 + width(of: $1) }
    }

    /// Cells a tab takes when it starts at `column`.
    public static func tabCells(atColumn column: Int) -> Int {
        tabWidth - (column % tabWidth)
    }

    /// Control characters become their visible Unicode "control picture" (␛, ␀, ␡) or U+FFFD for
    /// C1 controls, so they take one cell and never move the terminal's cursor.
    static func visibleControl(_ scalar: Unicode.Scalar) -> Unicode.Scalar? {
        switch scalar.value {
        case 0x00...0x1F: return Unicode.Scalar(0x2400 + scalar.value)
        case 0x7F: return Unicode.Scalar(0x2421)
        case 0x80...0x9F, 0x2028, 0x2029: return Unicode.Scalar(0xFFFD)
        default: return nil
        }
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

    static func scalarWidth(_ scalar: Unicode.Scalar) -> Int {
        max(0, min(2, wcwidthOf(scalar)))
    }

    static func wcwidthOf(_ scalar: Unicode.Scalar) -> Int {
        _ = UTF8Locale.ready
        return LibcWidth.width(scalar.value)
    }
}

/// `wcwidth` answers by the C library's current locale; in the plain "C" locale every non-ASCII
/// scalar is -1. The app selects the user's locale; when that is not UTF-8 (or in tests), C.UTF-8.
enum UTF8Locale {
    static let ready: Bool = {
        if isUTF8() { return true }
        _ = setlocale(LC_CTYPE, "")
        if isUTF8() { return true }
        _ = setlocale(LC_CTYPE, "C.UTF-8")
        return isUTF8()
    }()

    static func isUTF8() -> Bool {
        LibcWidth.width(0x4E2D) == 2
    }
}

/// libc's `wcwidth`, the function ncurses measures with. Swift's Glibc module leaves it out (it is
/// declared only for _XOPEN_SOURCE), so it is looked up once by name.
enum LibcWidth {
    private typealias Function = @convention(c) (Int32) -> Int32

    private static let function: Function? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "wcwidth") else { return nil }
        return unsafeBitCast(symbol, to: Function.self)
    }()

    /// -1 for non-printable scalars, as libc says; also -1 if libc had no `wcwidth` at all.
    static func width(_ scalar: UInt32) -> Int {
        #if canImport(Darwin)
        return Int(wcwidth(wchar_t(bitPattern: scalar)))
        #else
        guard let function else { return -1 }
        return Int(function(Int32(bitPattern: scalar)))
        #endif
    }
}
