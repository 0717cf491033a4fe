#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import GLMTerm

@Suite struct GlyphTests {
    @Test func asciiAndCJKWidths() {
        #expect(Glyphs.width(of: "hello") == 5)
        #expect(Glyphs.width(of: "你好") == 4)
        #expect(Glyphs.width(of: "，。！") == 6)   // full-width punctuation
        #expect(Glyphs.width(of: "\u{3000}") == 2)  // ideographic space
        #expect(Glyphs.width(of: "ＡＢ１") == 6)      // fullwidth forms
        #expect(Glyphs.width(of: "ｶﾀ") == 2)        // halfwidth katakana
        #expect(Glyphs.width(of: "한국") == 4)        // precomposed Hangul
        #expect(Glyphs.width(of: "😀") == 2)
        #expect(Glyphs.width(of: "你好, world") == 11)
    }

    @Test func combiningMarksStayInTheirCell() {
        let decomposed: Character = "e\u{301}"
        #expect(Glyphs.glyphs(for: decomposed) == [Glyph("e\u{301}", width: 1)])
        #expect(Glyphs.width(of: "cafe\u{301}") == 4)
    }

    @Test func emojiSequencesDrawAsTheirAgreedPart() {
        // ZWJ family: only the first person is drawn, two cells.
        #expect(Glyphs.glyphs(for: "👨‍👩‍👧") == [Glyph("👨", width: 2)])
        // Skin tone is dropped: wcwidth counts the modifier as two more cells.
        #expect(Glyphs.glyphs(for: "👍🏽") == [Glyph("👍", width: 2)])
        // VS16 on a narrow symbol is dropped, so it is one cell everywhere.
        #expect(Glyphs.glyphs(for: "❤️") == [Glyph("❤", width: 1)])
        // VS15 (text presentation) is not sent either: the same one cell as with VS16.
        #expect(Glyphs.glyphs(for: "❤︎") == [Glyph("❤", width: 1)])
        #expect(Glyphs.width(of: "❤️") == Glyphs.width(of: "❤︎"))
        #expect(Glyphs.glyphs(for: "😀\u{FE0E}") == [Glyph("😀", width: 2)])
        // VS16 changes nothing on a wide emoji; it is not sent.
        #expect(Glyphs.glyphs(for: "😀\u{FE0F}") == [Glyph("😀", width: 2)])
        // A flag is two regional indicators of one cell each.
        #expect(Glyphs.glyphs(for: "🇨🇳") == [Glyph("🇨", width: 1), Glyph("🇳", width: 1)])
        #expect(Glyphs.width(of: "🇨🇳") == 2)
        // Keycap: digit plus enclosing mark, VS16 dropped.
        #expect(Glyphs.glyphs(for: "1️⃣") == [Glyph("1\u{20E3}", width: 1)])
    }

    @Test func otherScriptsKeepEveryScalar() {
        // Devanagari "ki": the vowel sign is a spacing mark, one cell of its own for wcwidth.
        #expect(Glyphs.glyphs(for: "कि") == [Glyph("क", width: 1), Glyph("ि", width: 1)])
        // Hangul conjoining jamo: the vowel and final consonant are zero-width marks on the initial.
        #expect(Glyphs.glyphs(for: "\u{1100}\u{1161}\u{11A8}") == [Glyph("\u{1100}\u{1161}\u{11A8}", width: 2)])
        // A ZWJ emoji on a narrow base draws the base alone.
        #expect(Glyphs.glyphs(for: "❤️‍🔥") == [Glyph("❤", width: 1)])
    }

    @Test func controlCharactersBecomeVisible() {
        #expect(Glyphs.glyphs(for: "\u{1B}") == [Glyph("\u{241B}", width: 1)])
        #expect(Glyphs.glyphs(for: "\u{7F}") == [Glyph("\u{2421}", width: 1)])
        #expect(Glyphs.glyphs(for: "\u{85}") == [Glyph("\u{FFFD}", width: 1)])
        #expect(Glyphs.glyphs(for: "\u{0}") == [Glyph("\u{2400}", width: 1)])
        #expect(Glyphs.glyphs(for: "\r\n").count == 2)
        #expect(Glyphs.width(of: "a\u{7}b") == 3)
    }

    @Test func invisibleFormatCharactersAreDropped() {
        #expect(Glyphs.glyphs(for: "\u{200B}").isEmpty)
        #expect(Glyphs.glyphs(for: "\u{202E}").isEmpty)
        #expect(Glyphs.width(of: "a\u{200B}b") == 2)
    }

    @Test func loneCombiningMarkGetsADottedCircle() {
        let lone = Character("\u{301}")
        #expect(Glyphs.glyphs(for: lone) == [Glyph("\u{25CC}\u{301}", width: 1)])
    }

    @Test func tabStops() {
        // A tab measures one cell on its own; where tabs are expanded, they reach the next stop.
        #expect(Glyphs.width(of: "a\tb") == 3)
        #expect(Glyphs.tabCells(atColumn: 0) == 8)
        #expect(Glyphs.tabCells(atColumn: 5) == 3)
        #expect(Glyphs.tabCells(atColumn: 8) == 8)
    }
}

@Suite struct GlyphShortcutTests {
    /// `glyphs(for:)` and `width(of:)` skip the cluster rule for one printable scalar; they must
    /// give what the rule gives, for every scalar of planes 0 and 1, the start of plane 2 and the tags.
    @Test func singleScalarsGiveWhatTheRuleGives() {
        var mismatches: [String] = []
        for value in Array(0...0x1FFFF) + Array(0x20000...0x200FF) + Array(0xE0000...0xE01EF) {
            guard let scalar = Unicode.Scalar(UInt32(value)) else { continue }
            let character = Character(scalar)
            let ruled = Glyphs.clusterGlyphs(Array(character.unicodeScalars))
            let width = character == "\t" ? 1 : ruled.reduce(0) { $0 + $1.width }
            if Glyphs.glyphs(for: character) != ruled || Glyphs.width(of: character) != width {
                mismatches.append(String(value, radix: 16))
            }
        }
        #expect(mismatches.isEmpty, "U+\(mismatches.prefix(10).joined(separator: ", U+"))")
    }
}
