import GLMEngine
import GLMInterpreter

/// The cards of the agent's steps in the transcript: a call (the tool's name and its arguments
/// pretty-printed; for the code interpreter the code, coloured) and a result (collapsed to its
/// first lines when long, figures named). Text from tools and models is never obeyed: control
/// characters are drawn as their pictures by the glyph layer like every other text.
enum ToolCards {
    /// A result longer than this many rows shows only its first `collapsedRows` until expanded.
    static let collapsedRows = 8
    /// The key that expands and collapses a result (in the transcript, on the card; anywhere: Ctrl+O).
    static let expandKeyName = "o"

    /// Is this message a call card (an assistant message with a tool name or `interpreter` as metadata)?
    static func isCall(_ message: Message) -> Bool {
        message.role == .assistant && !message.metadata.isEmpty
    }

    static func isInterpreter(_ metadata: String) -> Bool {
        metadata.isByteEqual(to: SessionMode.interpreterMetadata)
    }

    // MARK: Calls

    /// What a call card shows: text before the call, and the call's body lines (pretty JSON or code).
    struct CallBody: Equatable {
        var prose: String
        var lines: [String]
        var isCode: Bool
        /// Why the call cannot be read (it is shown as written, with this).
        var problem: String?
    }

    static func callBody(_ message: Message) -> CallBody {
        if isInterpreter(message.metadata) {
            // the code that runs, read by the loop's own rule
            guard let block = InterpreterCode.lastPythonBlock(in: message.content) else {
                // still being written: its block is not closed yet
                let problem = message.state == .streaming ? nil : "no fenced python block: nothing to run"
                return CallBody(prose: "", lines: lines(message.content), isCode: true, problem: problem)
            }
            return CallBody(prose: block.textBefore, lines: lines(block.code), isCode: true)
        }
        let fence = lastFence(in: message.content)
        let prose = fence?.before ?? ""
        do {
            let call = try ToolCallParser.parseCall(name: message.metadata, content: message.content)
            return CallBody(prose: prose, lines: lines(call.arguments.pythonDumps(indent: 2)), isCode: false)
        } catch {
            return CallBody(prose: prose, lines: lines(fence?.code ?? message.content), isCode: true,
                            problem: "\(error)")
        }
    }

    /// The rows of a call card, `width` cells wide (the transcript indents them).
    static func callRows(_ message: Message, width: Int, theme: Theme) -> [TranscriptRow] {
        let body = callBody(message)
        var rows: [TranscriptRow] = []
        if !body.prose.isEmpty {
            rows += TextLayout.wrap(body.prose, width: width).map { TranscriptRow(line: $0) }
        }
        let title = isInterpreter(message.metadata) ? "Code · python" : "Call · \(message.metadata)"
        rows.append(rule("┌─ ", title, width: width, theme: theme))
        let interpreter = isInterpreter(message.metadata)
        for line in body.lines {
            let spans = interpreter ? PythonHighlighter.spans(line, theme: theme) : [Span(line, style: theme[.code])]
            rows += framed(spans, width: width, theme: theme)
        }
        if let problem = body.problem {
            rows += framed([Span(problem, style: theme[.error])], width: width, theme: theme)
        }
        rows.append(rule("└", "", width: width, theme: theme))
        return rows
    }

    // MARK: Results

    /// What a result card shows: its lines (a fenced `result` block's inside, JSON pretty-printed)
    /// and the figures it names.
    static func resultLines(_ content: String) -> [String] {
        if let fence = lastFence(in: content), fence.language.isByteEqual(to: "result") {
            return lines(fence.code)
        }
        if let value = try? JSONValue.parse(content) {
            switch value {
            case .object, .array: return lines(value.pythonDumps(indent: 2))
            default: break
            }
        }
        return lines(content)
    }

    /// Files in the interpreter's folder that look like figures, in the order they are named.
    static func figures(in content: String) -> [String] {
        let extensions = [".png", ".jpg", ".jpeg", ".svg", ".pdf", ".gif", ".webp"]
        var found: [String] = []
        let separators: Set<Character> = [" ", "\n", "\t", "'", "\"", ",", "(", ")", "[", "]", "`"]
        for word in content.split(whereSeparator: { separators.contains($0) }) {
            let path = word.hasSuffix(".") ? word.dropLast() : word
            guard path.hasPrefix("/mnt/data/"), path.count > "/mnt/data/".count,
                  extensions.contains(where: { path.lowercased().hasSuffix($0) }) else { continue }
            let name = String(path)
            if !found.contains(name) { found.append(name) }
        }
        return found
    }

    /// The figures a result names: the files its code wrote (stored with it), then those its text
    /// names under /mnt/data. The full app's card and the line chat's result both list these.
    static func figuresNamed(by message: Message) -> [String] {
        let written = message.files.map { $0.hasPrefix("/") ? $0 : "/mnt/data/" + $0 }
        return written + figures(in: message.content).filter { !written.contains($0) }
    }

    /// The rows of a result card; `tool` names the call it answers (nil: unknown).
    static func resultRows(_ message: Message, tool: String?, expanded: Bool, width: Int,
                           theme: Theme) -> [TranscriptRow] {
        let title = tool.map { isInterpreter($0) ? "Result · python" : "Result · \($0)" } ?? "Result"
        var rows = [rule("┌─ ", title, width: width, theme: theme)]
        var body: [TranscriptRow] = []
        for line in resultLines(message.content) {
            body += framed([Span(line)], width: width, theme: theme)
        }
        let hidden = body.count - collapsedRows
        if !expanded, hidden > 1 {
            rows += body.prefix(collapsedRows)
            let note = "… \(hidden) more lines (\(expandKeyName) or Ctrl+O expands)"
            rows += framed([Span(note, style: theme[.dim])], width: width, theme: theme)
        } else {
            rows += body
            if hidden > 1 {
                rows += framed([Span("(\(expandKeyName) or Ctrl+O collapses)", style: theme[.dim])], width: width, theme: theme)
            }
        }
        for figure in figuresNamed(by: message) {
            rows += framed([Span("▣ figure: ", style: theme[.assistant]), Span(figure)], width: width, theme: theme)
        }
        rows.append(rule("└", "", width: width, theme: theme))
        return rows
    }

    /// Is this result long enough to collapse?
    static func isCollapsible(_ message: Message, width: Int) -> Bool {
        let inner = max(2, width - 2)
        return resultLines(message.content).reduce(0) { $0 + TextLayout.wrap($1, width: inner, mode: .characters).count }
            > collapsedRows + 1
    }

    // MARK: Pieces

    /// Lines of `text` (one empty line for empty text); a trailing newline adds no line.
    static func lines(_ text: String) -> [String] {
        var parts = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if parts.count > 1, parts.last?.isEmpty == true { parts.removeLast() }
        return parts
    }

    /// The last fenced block of `text`: its language, its code, and the text before its fence.
    static func lastFence(in text: String) -> (before: String, language: String, code: String)? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var close: Int?
        for index in lines.indices.reversed() where ToolCallParser.trimmed(lines[index]).hasBytePrefix("```") {
            if let end = close {
                let language = ToolCallParser.trimmed(String(ToolCallParser.trimmed(lines[index]).dropFirst(3)))
                return (ToolCallParser.trimmed(lines[..<index].joined(separator: "\n")), language,
                        lines[(index + 1)..<end].joined(separator: "\n"))
            }
            close = index
        }
        return nil
    }

    /// A horizontal rule with a title: "┌─ Call · get_weather ─────".
    static func rule(_ lead: String, _ title: String, width: Int, theme: Theme) -> TranscriptRow {
        let border = theme[.border]
        var spans = [Span(lead, style: border)]
        if !title.isEmpty {
            let room = max(1, width - Glyphs.width(of: lead) - 2)
            spans.append(Span(Glyphs.truncated(title, toCells: room), style: theme[.assistant].adding(.bold)))
            spans.append(Span(" ", style: border))
        }
        let used = spans.reduce(0) { $0 + Glyphs.width(of: $1.text) }
        if used < width { spans.append(Span(String(repeating: "─", count: width - used), style: border)) }
        return TranscriptRow(line: TextLayout.wrap(spans, width: width, mode: .characters).first ?? TextLine(start: 0))
    }

    /// `spans` wrapped inside the card's left border ("│ "), keeping spaces (code and JSON indent).
    static func framed(_ spans: [Span], width: Int, theme: Theme) -> [TranscriptRow] {
        let inner = max(2, width - 2)
        return TextLayout.wrap(spans, width: inner, mode: .characters).map { line in
            var bar = TextLayout.wrap("│ ", width: 3, style: theme[.border], mode: .characters).first ?? TextLine(start: 0)
            bar.glyphs += line.glyphs
            bar.width += line.width
            return TranscriptRow(line: bar)
        }
    }
}
