import GLMEngine
import Testing
@testable import GLMTerm

@MainActor @Suite struct MarkdownTests {
    let theme = Theme.plain

    private func texts(_ rows: [TranscriptRow]) -> [String] {
        rows.map { String(repeating: " ", count: $0.indent) + $0.line.text }
    }

    @Test func blocksSplitAtBlankLinesAndFences() {
        let blocks = MarkdownBlock.split("para one\nstill one\n\n```py\nx = 1\n\ny = 2\n```\nafter")
        #expect(blocks.map(\.kind) == [.text, .blank, .code(language: "py", closed: true), .text])
        #expect(blocks[2].lines == ["x = 1", "", "y = 2"])
        let open = MarkdownBlock.split("text\n```\ncode so far")
        #expect(open.last == MarkdownBlock(kind: .code(language: "", closed: false), lines: ["code so far"]))
    }

    @Test func codeBlocksKeepTheirLinesAndColour() {
        let renderer = MarkdownRenderer()
        let rows = renderer.render("```swift\nlet  x = [1,   2]\n\tindented\n```", width: 40, theme: theme, key: MessageID("1"))
        #expect(texts(rows) == [" swift", " let  x = [1,   2]", "         indented"])
        #expect(rows.allSatisfy { $0.fill == theme[.code] })
        #expect(rows[1].line.glyphs.allSatisfy { $0.style == theme[.code] })
    }

    @Test func longCodeLinesAreBrokenNotReflowed() {
        let renderer = MarkdownRenderer()
        let rows = renderer.render("```\nabcdefghij klm\n```", width: 8, theme: theme, key: MessageID("1"))
        #expect(texts(rows) == [" abcdefg", " hij klm"])
    }

    @Test func headingsListsAndInlineStyles() {
        let renderer = MarkdownRenderer()
        let rows = renderer.render("# Title\n- item with **bold** and `code`\n2. second", width: 40, theme: theme, key: MessageID("1"))
        #expect(texts(rows) == ["Title", "• item with bold and code", "2. second"])
        #expect(rows[0].line.glyphs.allSatisfy { $0.style.attributes.contains(.bold) })
        let item = rows[1].line.glyphs
        #expect(item.first { $0.glyph.text == "b" }?.style.attributes.contains(.bold) == true)
        #expect(item.last?.style == theme[.code])
    }

    @Test func listItemsHangUnderTheirText() {
        let renderer = MarkdownRenderer()
        let rows = renderer.render("- alpha beta gamma delta", width: 12, theme: theme, key: MessageID("1"))
        #expect(texts(rows) == ["• alpha beta", "  gamma", "  delta"])
    }

    @Test func unmatchedDelimitersStayAsTyped() {
        let spans = InlineMarkdown.spans("2 * 3 = 6 and a `tick", base: .plain, code: theme[.code])
        #expect(spans.map(\.text).joined() == "2 * 3 = 6 and a `tick")
        #expect(spans.allSatisfy { $0.style == .plain })
    }

    @Test func whileStreamingOnlyTheLastBlockIsRendered() {
        let renderer = MarkdownRenderer()
        var text = "first paragraph\n\nsecond"
        _ = renderer.render(text, width: 30, theme: theme, key: MessageID("7"))
        let before = renderer.blocksRendered
        for piece in [" grows", " more", "\n```\ncode", " line"] {
            text += piece
            _ = renderer.render(text, width: 30, theme: theme, key: MessageID("7"))
        }
        // Each update renders one block, the one being written; the paragraphs above are reused.
        #expect(renderer.blocksRendered - before == 4)
        let rows = renderer.render(text, width: 30, theme: theme, key: MessageID("7"))
        #expect(texts(rows).last == " code line")
    }
}
