import Testing
@testable import GLMTerm

@Suite struct TextLayoutTests {
    private func lines(_ text: String, width: Int, mode: WrapMode = .words) -> [String] {
        TextLayout.wrap(text, width: width, mode: mode).map(\.text)
    }

    @Test func wordsBreakAtSpaces() {
        #expect(lines("the quick brown fox", width: 10) == ["the quick", "brown fox"])
        #expect(lines("aaaa bbbb", width: 4) == ["aaaa", "bbbb"])
    }

    @Test func wordsOfClustersWithSeveralCellsStayWhole() {
        #expect(lines("किताब किताब", width: 8) == ["किताब", "किताब"])
    }

    @Test func tooLongWordIsHardBroken() {
        #expect(lines("abcdefghij xy", width: 4) == ["abcd", "efgh", "ij", "xy"])
    }

    @Test func chineseBreaksAnywhere() {
        #expect(lines("你好世界朋友", width: 5) == ["你好", "世界", "朋友"])
        #expect(lines("ab你好", width: 5) == ["ab你", "好"])
    }

    @Test func wideGlyphNeverStraddlesTheEdge() {
        for width in 2...9 {
            for line in TextLayout.wrap("a中文😀字b🇨🇳x，y", width: width) {
                #expect(line.width <= width)
            }
        }
        #expect(lines("abc😀", width: 4) == ["abc", "😀"])
    }

    @Test func hardNewlinesAndEmptyLines() {
        #expect(lines("one\n\ntwo", width: 10) == ["one", "", "two"])
        #expect(lines("x\r\ny", width: 10) == ["x", "y"])
    }

    @Test func tabsExpandToStops() {
        let wrapped = TextLayout.wrap("a\tb", width: 20)
        #expect(wrapped[0].text == "a       b")
        #expect(wrapped[0].width == 9)
    }

    @Test func controlCharactersNeverOverflow() {
        let wrapped = TextLayout.wrap("ab\u{1B}[31mcd", width: 4)
        #expect(wrapped.allSatisfy { $0.width <= 4 })
        #expect(wrapped.map(\.text).joined() == "ab\u{241B}[31mcd")
    }

    @Test func characterModeKeepsSpacesAndOffsets() {
        let wrapped = TextLayout.wrap("ab cd", width: 3, mode: .characters)
        #expect(wrapped.map(\.text) == ["ab ", "cd"])
        #expect(wrapped.map(\.start) == [0, 3])
        let wide = TextLayout.wrap("a你好", width: 4, mode: .characters)
        #expect(wide.map(\.text) == ["a你", "好"])
        #expect(wide[1].start == 2)
    }

    @Test func stylesFollowTheirSpans() {
        let bold = Style(attributes: .bold)
        let wrapped = TextLayout.wrap([Span("ab"), Span("cd", style: bold)], width: 10)
        #expect(wrapped[0].glyphs.map(\.style) == [.plain, .plain, bold, bold])
    }
}
