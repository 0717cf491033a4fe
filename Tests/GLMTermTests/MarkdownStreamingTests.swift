import Foundation
import GLMEngine
import Testing
@testable import GLMTerm

/// A streamed answer is split again only after its settled part (`MarkdownBlock.split`'s settled
/// blocks): at every length it must render exactly as the whole text rendered from scratch.
@MainActor @Suite struct MarkdownStreamingTests {
    let theme = Theme.plain

    /// Lines that open, close and fill fences, blank and whitespace lines, lists, headings, CJK and
    /// emoji (multi-byte UTF-8), so that settled points fall everywhere.
    static let pieces = [
        "para text", "", "   ", "```py", "```", "~~~", "~~~~ rust", "x = 1", "  ```", "- item **b**", "# 标题",
        "中文的句子，还有 `代码`", "👍🏽 done", "1. first", "> quoted", "---", "    indented", "``` ", "````",
    ]

    static func answer(seed: UInt64, lines: Int) -> String {
        var random = RobustnessTests.Random(state: seed)
        return (0..<lines).map { _ in pieces[random.next(pieces.count)] }.joined(separator: "\n")
    }

    @Test("split from the settled point gives the blocks the whole split gives", arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func settledSplitMatchesWholeSplit(seed: UInt64) {
        let text = Self.answer(seed: seed, lines: 60)
        var random = RobustnessTests.Random(state: seed ^ 0x9E37)
        var end = text.startIndex
        while end < text.endIndex {
            end = text.index(end, offsetBy: 1 + random.next(9), limitedBy: text.endIndex) ?? text.endIndex
            let prefix = text[..<end]
            let whole = MarkdownBlock.split(prefix)
            let settled = prefix.utf8.index(prefix.startIndex, offsetBy: whole.settledBytes)
            let rest = MarkdownBlock.split(prefix[settled...]).blocks
            #expect(Array(whole.blocks.prefix(whole.settledBlocks)) + rest == whole.blocks)
            // what is settled stays settled when more text arrives
            let longer = MarkdownBlock.split(text[...])
            #expect(Array(longer.blocks.prefix(whole.settledBlocks)) == Array(whole.blocks.prefix(whole.settledBlocks)))
        }
    }

    @Test("an answer streamed in pieces renders as the whole text rendered afresh", arguments: [11, 12, 13, 14] as [UInt64])
    func streamedEqualsFresh(seed: UInt64) {
        let text = Self.answer(seed: seed, lines: 80)
        let streaming = MarkdownRenderer()
        var random = RobustnessTests.Random(state: seed)
        var end = text.startIndex
        var updates = 0
        while end < text.endIndex {
            end = text.index(end, offsetBy: 1 + random.next(12), limitedBy: text.endIndex) ?? text.endIndex
            let shown = String(text[..<end])
            let streamed = streaming.renderWithCode(shown, width: 24, theme: theme, key: MessageID("s"))
            let fresh = MarkdownRenderer().renderWithCode(shown, width: 24, theme: theme, key: MessageID("f"))
            #expect(streamed.rows == fresh.rows)
            #expect(streamed.code.map(\.rows) == fresh.code.map(\.rows))
            #expect(streamed.code.map(\.text) == fresh.code.map(\.text))
            updates += 1
        }
        #expect(updates > 40)
    }

    @Test("text changed before the settled point (an edit, a retry) is split again from the start")
    func changedTextIsSplitAgain() {
        let renderer = MarkdownRenderer()
        let first = "```py\nold = 1\n```\n\nafter"
        _ = renderer.render(first, width: 30, theme: theme, key: MessageID("e"))
        let second = "```py\nnew = 2\n```\n\nafter"
        let rows = renderer.render(second, width: 30, theme: theme, key: MessageID("e"))
        #expect(rows == MarkdownRenderer().render(second, width: 30, theme: theme, key: MessageID("x")))
        #expect(rows.contains { $0.line.text.contains("new = 2") })
        // and a shorter text than the settled part
        let short = renderer.render("```py", width: 30, theme: theme, key: MessageID("e"))
        #expect(short == MarkdownRenderer().render("```py", width: 30, theme: theme, key: MessageID("x")))
    }

    @Test("while streaming, the settled blocks are neither split nor rendered again")
    func settledBlocksAreNotRenderedAgain() {
        let renderer = MarkdownRenderer()
        var text = (0..<50).map { "paragraph \($0)\n" }.joined(separator: "\n")
        _ = renderer.render(text, width: 30, theme: theme, key: MessageID("g"))
        let before = renderer.blocksRendered
        for word in ["one", " two", " three"] {
            text += word
            let split = renderer.bytesSplit
            _ = renderer.render(text, width: 30, theme: theme, key: MessageID("g"))
            // only from "paragraph 49" on: the text before it ended at a blank line
            let settled = text.utf8.count - (text.range(of: "paragraph 49").map { text[$0.lowerBound...].utf8.count } ?? 0)
            #expect(renderer.bytesSplit - split == text.utf8.count - settled)
        }
        #expect(renderer.blocksRendered - before == 3)
    }
}
