#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import GLMTerm

/// Cutting text to the cells it has, and measuring without touching the process locale.
@Suite struct TextFittingTests {
    @Test func cutsByCellsWithAnEllipsisInTheLastCell() {
        let chinese = String(repeating: "中文", count: 30)
        // 19 wide characters (38 cells) + "…": a 20th would need cells 39-40 and leave none for "…".
        let cut = Glyphs.truncated(chinese, toCells: 40)
        #expect(cut == String(repeating: "中文", count: 9) + "中…")
        #expect(Glyphs.width(of: cut) == 39)
        // A wide character never straddles the limit.
        #expect(Glyphs.truncated("a" + String(repeating: "中", count: 30), toCells: 10) == "a中中中中…")
        // Emoji sequences are cut whole, measured as drawn (two cells each).
        #expect(Glyphs.truncated(String(repeating: "👨‍👩‍👧", count: 10), toCells: 7) == "👨‍👩‍👧👨‍👩‍👧👨‍👩‍👧…")
        #expect(Glyphs.truncated("🇨🇳🇨🇳🇨🇳", toCells: 5) == "🇨🇳🇨🇳…")
        #expect(Glyphs.truncated("👍🏽👍🏽👍🏽", toCells: 5) == "👍🏽👍🏽…")
    }

    @Test func textThatFitsIsKeptWhole() {
        let exact = String(repeating: "x", count: 40)
        #expect(Glyphs.truncated(exact, toCells: 40) == exact)
        #expect(Glyphs.truncated("你好", toCells: 4) == "你好")
        #expect(Glyphs.truncated("cafe\u{301}", toCells: 4) == "cafe\u{301}")
        #expect(Glyphs.truncated("anything", toCells: 0) == "")
        #expect(Glyphs.truncated("", toCells: 3) == "")
    }

    @Test func lineBreaksAndTabsBecomeSpaces() {
        #expect(Glyphs.truncated("one\ntwo\tthree", toCells: 40) == "one two three")
        #expect(Glyphs.truncated("one\r\ntwo", toCells: 5) == "one …")
    }

    @Test func fittingPrefixSharesTheTextsIndices() throws {
        let title = "hello 世界 and more"
        let (kept, isCut) = Glyphs.fittingPrefix(of: title[...], cells: 11)
        #expect(isCut)
        #expect(kept == "hello 世界")
        let world = try #require(title.range(of: "世界"))
        #expect(kept[world] == "世界")
        #expect(Glyphs.fittingPrefix(of: title[...], cells: 40) == (title[...], false))
    }

    @Test func measuringLeavesTheLocaleAlone() throws {
        #expect(ScalarWidth.isAvailable, "no UTF-8 locale: non-ASCII text cannot be measured")
        let processLocale = String(cString: setlocale(LC_CTYPE, nil))
        // This thread is put in the plain "C" locale, where libc calls every non-ASCII scalar
        // unprintable; widths must still be the UTF-8 ones, and the thread's locale come back.
        let plain = try #require(newlocale(LC_CTYPE_MASK, "C", nil))
        defer { freelocale(plain) }
        let outer = uselocale(plain)
        defer { uselocale(outer) }
        #expect(Glyphs.width(of: "中文 ＡＢ 😀 e\u{301}") == 14)
        #expect(Glyphs.truncated("中文中文", toCells: 5) == "中文…")
        #expect(uselocale(nil) == plain)
        #expect(String(cString: setlocale(LC_CTYPE, nil)) == processLocale)
    }
}
