import GLMEngine
import Testing
@testable import GLMTerm

/// The call and result cards at 80 columns, with CJK, wide and control characters: no row is
/// wider than its width, a wide glyph never straddles the edge, and the content is all there.
@MainActor @Suite struct ToolCardTests {
    static let width = 78   // an 80-column transcript less its margin and indent

    static func call(_ tool: String, _ content: String) -> Message {
        Message(sessionID: .unsaved, role: .assistant, content: content, metadata: tool)
    }

    static func result(_ content: String) -> Message {
        Message(sessionID: .unsaved, role: .observation, content: content)
    }

    static func text(_ rows: [TranscriptRow]) -> [String] { rows.map { $0.line.text } }

    static func checkWidths(_ rows: [TranscriptRow], width: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        for row in rows {
            #expect(row.indent + row.line.width <= width, "\(row.line.text)", sourceLocation: sourceLocation)
            #expect(row.line.glyphs.reduce(0) { $0 + $1.glyph.width } == row.line.width, sourceLocation: sourceLocation)
        }
    }

    @Test func aCallCardShowsTheToolAndItsArgumentsPrettyPrinted() {
        let message = Self.call("get_weather", "```python\ntool_call(city='北京市朝阳区', days=3, detail={'hourly': True, 'units': [\"°C\", None]})\n```")
        let rows = ToolCards.callRows(message, width: Self.width, theme: .plain)
        let lines = Self.text(rows)
        Self.checkWidths(rows, width: Self.width)
        #expect(lines.first?.hasPrefix("┌─ Call · get_weather ─") == true)
        #expect(Glyphs.width(of: lines.first ?? "") == Self.width)
        #expect(lines.contains("│ {"))
        #expect(lines.contains("│   \"city\": \"北京市朝阳区\","))
        #expect(lines.contains("│   \"days\": 3,"))
        #expect(lines.contains("│     \"hourly\": true,"))
        #expect(lines.last?.hasPrefix("└──") == true)
    }

    @Test func anUnreadableCallIsShownAsWrittenWithTheReason() {
        let message = Self.call("get_weather", "```python\ntool_call(city=__import__('os').system('rm -rf /'))\n```")
        let lines = Self.text(ToolCards.callRows(message, width: Self.width, theme: .plain))
        #expect(lines.contains("│ tool_call(city=__import__('os').system('rm -rf /'))"))
        #expect(lines.contains { $0.contains("__import__") && !$0.contains("tool_call") })
    }

    @Test func codeIsTheLastPythonBlockColouredByTheTheme() {
        let code = "import math\n# 圆的面积\nr = 2.5\nprint(f\"面积: {math.pi * r ** 2:.2f}\")"
        let message = Self.call("interpreter", "I will compute it.\n```python\nx = 1\n```\n```python\n\(code)\n```")
        let rows = ToolCards.callRows(message, width: Self.width, theme: .plain)
        let lines = Self.text(rows)
        #expect(lines.first == "I will compute it.")
        #expect(lines.contains { $0.hasPrefix("┌─ Code · python") })
        #expect(!lines.contains("│ x = 1"))
        #expect(lines.contains("│ import math"))
        #expect(lines.contains("│ # 圆的面积"))
        let theme = Theme.plain
        let importRow = rows.first { $0.line.text == "│ import math" }
        #expect(importRow?.line.glyphs[2].style == theme[.assistant].adding(.bold))   // the keyword
        let commentRow = rows.first { $0.line.text == "│ # 圆的面积" }
        #expect(commentRow?.line.glyphs.last?.style == theme[.dim])
        let numberRow = rows.first { $0.line.text == "│ r = 2.5" }
        #expect(numberRow?.line.glyphs.last?.style == theme[.user])
        Self.checkWidths(rows, width: Self.width)
    }

    /// The card shows the code that runs, read by the loop's own rule (InterpreterCode).
    @Test func theCodeCardShowsWhatRunsNotAResultBlockAfterIt() {
        let message = Self.call("interpreter", "```python\nprint(6 * 7)```\n```result\n42\n```")
        let lines = Self.text(ToolCards.callRows(message, width: Self.width, theme: .plain))
        #expect(lines.contains("│ print(6 * 7)"))
        #expect(!lines.contains("│ 42"))
    }

    @Test func aCodeCallWithoutABlockSaysSoOnceItIsWritten() {
        var message = Self.call("interpreter", "```python\nimport ma")
        message.state = .streaming
        #expect(!Self.text(ToolCards.callRows(message, width: Self.width, theme: .plain)).contains { $0.contains("nothing to run") })
        message.state = .complete
        #expect(Self.text(ToolCards.callRows(message, width: Self.width, theme: .plain)).contains { $0.contains("no fenced python block: nothing to run") })
    }

    @Test func pythonTokensJoinBackToTheLine() {
        let lines = ["s = 'it\\'s' + \"\"\"三\"\"\"  # done", "def f(x_1): return x_1 * 1e-3", "open('/mnt/data/a.png'"]
        for line in lines {
            #expect(PythonHighlighter.tokens(line).map(\.text).joined() == line)
        }
        #expect(PythonHighlighter.tokens("x = 'a#b' # c").map(\.token) == [.plain, .string, .plain, .comment])
    }

    @Test func aLongResultIsCollapsedUntilExpanded() {
        let body = (1...30).map { "第\($0)行 line \($0)" }.joined(separator: "\n")
        let message = Self.result("```result\n\(body)\n```")
        let collapsed = Self.text(ToolCards.resultRows(message, tool: "interpreter", expanded: false, width: Self.width, theme: .plain))
        #expect(collapsed.first?.hasPrefix("┌─ Result · python") == true)
        #expect(collapsed.contains("│ 第1行 line 1"))
        #expect(collapsed.contains("│ 第8行 line 8"))
        #expect(!collapsed.contains("│ 第9行 line 9"))
        #expect(collapsed.contains("│ … 22 more lines (o or Ctrl+O expands)"))
        #expect(!collapsed.contains { $0.contains("```") })
        let expanded = Self.text(ToolCards.resultRows(message, tool: "interpreter", expanded: true, width: Self.width, theme: .plain))
        #expect(expanded.contains("│ 第30行 line 30"))
        #expect(expanded.contains("│ (o or Ctrl+O collapses)"))
        #expect(ToolCards.isCollapsible(message, width: Self.width))
        #expect(!ToolCards.isCollapsible(Self.result("{\"ok\": true}"), width: Self.width))
    }

    @Test func jsonResultsArePrettyPrintedAndWideTextWrapsInsideTheCard() {
        let long = String(repeating: "天气晴朗，", count: 30)
        let message = Self.result("{\"summary\": \"\(long)\", \"temperature\": 21.5}")
        let rows = ToolCards.resultRows(message, tool: "get_weather", expanded: true, width: Self.width, theme: .plain)
        Self.checkWidths(rows, width: Self.width)
        let lines = Self.text(rows)
        #expect(lines.first?.hasPrefix("┌─ Result · get_weather") == true)
        #expect(lines.contains("│   \"temperature\": 21.5"))
        // every wrapped row of the long string keeps the card's border
        #expect(lines.dropFirst().dropLast().allSatisfy { $0.hasPrefix("│ ") })
        #expect(lines.filter { $0.contains("天气晴朗") }.count > 2)
    }

    @Test func controlCharactersFromAToolAreShownAsPictures() {
        let message = Self.result("ok\u{1B}[2J\u{07}done\u{7F}")
        let lines = Self.text(ToolCards.resultRows(message, tool: "t", expanded: false, width: Self.width, theme: .plain))
        #expect(lines.contains("│ ok␛[2J␇done␡"))
        #expect(!lines.joined().unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })
    }

    @Test func figuresSavedInTheFolderAreNamed() {
        let message = Self.result("```result\nSaved /mnt/data/sine.png and '/mnt/data/图 2.svg'; data in /mnt/data/x.csv\n```")
        #expect(ToolCards.figures(in: message.content) == ["/mnt/data/sine.png"])
        let lines = Self.text(ToolCards.resultRows(message, tool: "interpreter", expanded: false, width: Self.width, theme: .plain))
        #expect(lines.contains("│ ▣ figure: /mnt/data/sine.png"))
    }

    @Test func theTranscriptShowsCardsAndRemembersWhichResultIsExpanded() {
        let layout = TranscriptLayout(theme: .plain)
        let long = (1...20).map { "row \($0)" }.joined(separator: "\n")
        let messages = [
            Message(sessionID: .unsaved, role: .user, content: "天气？"),
            Self.call("get_weather", "```python\ntool_call(city=\"上海\")\n```"),
            Self.result(long),
            Message(sessionID: .unsaved, role: .assistant, content: "It rains in 上海."),
        ]
        let collapsed = layout.rows(for: messages, width: 79).rows.map { $0.line.text }
        #expect(collapsed.contains("GLM  calls a tool"))
        #expect(collapsed.contains { $0.hasPrefix("┌─ Result · get_weather") })
        #expect(!collapsed.contains("│ row 20"))
        layout.expandedResults.insert(messages[2].id)
        let expanded = layout.rows(for: messages, width: 79).rows.map { $0.line.text }
        #expect(expanded.contains("│ row 20"))
        #expect(expanded.count > collapsed.count)
    }
}
