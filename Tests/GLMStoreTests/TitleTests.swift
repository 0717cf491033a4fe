import Testing
@testable import GLMStore

@Suite struct TitleTests {
    @Test func widthsFollowWcwidth() {
        #expect(DisplayWidth.cells("a") == 1)
        #expect(DisplayWidth.cells("中") == 2)
        #expect(DisplayWidth.cells("ｶ") == 1)           // half-width katakana
        #expect(DisplayWidth.cells("é") == 1)           // e + combining acute: one cell
        #expect(DisplayWidth.cells("😀") == 2)
        #expect(DisplayWidth.cells("👨‍👩‍👧") == 2)       // ZWJ family: one wide glyph
        #expect(DisplayWidth.cells("❤️") == 2)           // emoji presentation selector
        #expect(DisplayWidth.cells("你好, world") == 11)
    }

    @Test func chineseTitlesAreCutByCells() {
        let text = String(repeating: "中文", count: 30)
        let title = Titles.title(fromFirstMessage: text)
        // 19 wide characters (38 cells) + "…": a 20th would need cells 39-40 and leave none for "…".
        #expect(title == String(repeating: "中文", count: 9) + "中…")
        #expect(DisplayWidth.cells(title) == 39)
    }

    @Test func shortTitlesAreKeptWhole() {
        #expect(Titles.title(fromFirstMessage: "你好") == "你好")
        #expect(Titles.title(fromFirstMessage: "  \n\n  hello\tthere \nmore") == "hello there")
        #expect(Titles.title(fromFirstMessage: "") == "")
        let exact = String(repeating: "x", count: 40)
        #expect(Titles.title(fromFirstMessage: exact) == exact)
    }

    @Test func cutNeverSplitsAWideCharacterAcrossTheLimit() {
        let title = Titles.title(fromFirstMessage: "a" + String(repeating: "中", count: 30), maxCells: 10)
        #expect(title == "a中中中中…")                  // 1 + 8 + 1 = 10 cells
        #expect(DisplayWidth.cells(title) == 10)
        let emoji = Titles.title(fromFirstMessage: String(repeating: "👨‍👩‍👧", count: 10), maxCells: 7)
        #expect(emoji == "👨‍👩‍👧👨‍👩‍👧👨‍👩‍👧…")
    }
}
