import GLMEngine
import GLMStore
/// One row of the transcript: a laid-out line, drawn `indent` cells in, optionally on a
/// background that fills the row (code blocks).
struct TranscriptRow: Equatable, Sendable {
    var line: TextLine
    var indent: Int = 0
    var fill: Style?
}

/// Something the transcript's cursor can rest on and "copy" can take: a whole message, or a code
/// block inside an answer. `rows` are rows of the whole transcript.
struct TranscriptBlock: Equatable, Sendable {
    var message: Int
    var rows: Range<Int>
    var text: String
    var isCode: Bool
}

/// Turns messages into transcript rows and remembers them per message, so a frame only lays out
/// the message that changed (the answer being streamed).
@MainActor
final class TranscriptLayout {
    private struct Entry {
        var text: String
        var state: MessageState
        var width: Int
        /// What else the rows depend on: the metadata, a result's tool and whether it is expanded.
        var variant: String
        var rows: [TranscriptRow]
        /// Code blocks, as rows of this message.
        var code: [(rows: Range<Int>, text: String)]
    }

    private var cache: [MessageID: Entry] = [:]
    private let markdown = MarkdownRenderer()
    var theme: Theme
    /// A base model continues text: the headers say "Prompt" and "Continuation", not who spoke.
    var completion = false {
        didSet { if completion != oldValue { invalidate() } }
    }
    /// The metadata of the card's key line (a row of the transcript only, never stored).
    static let approvalMarker = "glmchat:approval"
    /// Results shown whole (a long result is collapsed to its first rows until expanded).
    var expandedResults = Set<MessageID>()

    init(theme: Theme) {
        self.theme = theme
    }

    /// All rows, the index of each message's first row, and the blocks the cursor can rest on.
    func rows(for messages: [Message], width: Int) -> (rows: [TranscriptRow], starts: [Int], blocks: [TranscriptBlock]) {
        var rows: [TranscriptRow] = []
        var starts: [Int] = []
        var blocks: [TranscriptBlock] = []
        var live = Set<MessageID>()
        for (index, message) in messages.enumerated() {
            let start = rows.count
            starts.append(start)
            live.insert(message.id)
            let entry: Entry
            let tool = message.role == .observation && index > 0 ? toolName(answeredBy: messages[index - 1]) : nil
            let variant = message.metadata + "\u{0}" + (tool ?? "") + (expandedResults.contains(message.id) ? "\u{0}+" : "")
                + message.files.joined(separator: "\u{0}")
            if let cached = cache[message.id], cached.text.isByteEqual(to: message.content), cached.state == message.state,
               cached.width == width, cached.variant.isByteEqual(to: variant) {
                entry = cached
            } else {
                let (laidOut, code) = layOut(message, tool: tool, width: width)
                entry = Entry(text: message.content, state: message.state, width: width, variant: variant, rows: laidOut,
                              code: code)
                cache[message.id] = entry
            }
            rows += entry.rows
            // the message without its trailing blank row, then its code blocks
            blocks.append(TranscriptBlock(message: index, rows: start..<(start + max(1, entry.rows.count - 1)),
                                          text: message.content, isCode: false))
            for code in entry.code {
                blocks.append(TranscriptBlock(message: index, rows: (start + code.rows.lowerBound)..<(start + code.rows.upperBound),
                                              text: code.text, isCode: true))
            }
        }
        cache = cache.filter { live.contains($0.key) }
        markdown.keep(only: live)
        return (rows, starts, blocks)
    }

    func invalidate() {
        cache.removeAll()
    }

    /// The tool a result answers: the call just before it (nil when that is no call).
    private func toolName(answeredBy previous: Message) -> String? {
        ToolCards.isCall(previous) ? previous.metadata : nil
    }

    private func layOut(_ message: Message, tool: String?, width: Int) -> ([TranscriptRow], [(rows: Range<Int>, text: String)]) {
        let bodyWidth = max(2, width - 2)
        switch message.role {
        case .system where message.isContextClear:
            let rule = "── context cleared ──"
            return ([row([Span(rule, style: theme[.dim])], width: width), blank()], [])
        case .system where message.metadata.isByteEqual(to: Self.approvalMarker):
            let lines = TextLayout.wrap([Span("▶ ", style: theme[.user]), Span(message.content, style: theme[.user].adding(.bold))],
                                        width: bodyWidth)
            return (lines.map { TranscriptRow(line: $0, indent: 2) } + [blank()], [])
        case .system:
            var rows = [row([Span("System", style: theme[.system].adding(.bold))], width: width)]
            rows += TextLayout.wrap(message.content, width: bodyWidth, style: theme[.system]).map { TranscriptRow(line: $0, indent: 2) }
            return (rows + [blank()], [])
        case .observation:
            var rows = [row([Span("Result", style: theme[.user])], width: width)]
            rows += ToolCards.resultRows(message, tool: tool, expanded: expandedResults.contains(message.id),
                                         width: bodyWidth, theme: theme).map { shifted($0) }
            return (rows + [blank()], [])
        case .assistant where ToolCards.isCall(message):
            var header = [Span("GLM", style: theme[.assistant])]
            header.append(Span(ToolCards.isInterpreter(message.metadata) ? "  runs code" : "  calls a tool", style: theme[.dim]))
            if message.state == .stopped { header.append(Span("  [stopped]", style: theme[.dim])) }
            if message.state == .streaming { header.append(Span("  …", style: theme[.dim])) }
            var rows = [row(header, width: width)]
            rows += ToolCards.callRows(message, width: bodyWidth, theme: theme).map { shifted($0) }
            return (rows + [blank()], [])
        case .user:
            let name = completion ? "Prompt" : "You"
            var rows = [row([Span(name, style: theme[.user])], width: width)]
            rows += TextLayout.wrap(message.content, width: bodyWidth).map { TranscriptRow(line: $0, indent: 2) }
            return (rows + [blank()], [])
        case .assistant:
            var header = [Span(completion ? "Continuation" : "GLM", style: theme[.assistant])]
            switch message.state {
            case .stopped: header.append(Span("  [stopped]", style: theme[.dim]))
            case .streaming: header.append(Span("  …", style: theme[.dim]))
            case .failed: header.append(Span("  [failed]", style: theme[.error]))
            case .complete: break
            }
            var rows = [row(header, width: width)]
            let rendered = markdown.renderWithCode(message.content, width: bodyWidth, theme: theme, key: message.id)
            rows += rendered.rows.map {
                var shifted = $0
                shifted.indent += 2
                return shifted
            }
            let code = rendered.code.map { (rows: ($0.rows.lowerBound + 1)..<($0.rows.upperBound + 1), text: $0.text) }
            if message.state == .failed {
                rows += TextLayout.wrap(message.error ?? "failed", width: bodyWidth, style: theme[.error]).map { TranscriptRow(line: $0, indent: 2) }
            }
            return (rows + [blank()], code)
        }
    }

    private func shifted(_ row: TranscriptRow) -> TranscriptRow {
        var moved = row
        moved.indent += 2
        return moved
    }

    private func row(_ spans: [Span], width: Int) -> TranscriptRow {
        TranscriptRow(line: TextLayout.wrap(spans, width: width).first ?? TextLine(start: 0))
    }

    private func blank() -> TranscriptRow {
        TranscriptRow(line: TextLine(start: 0))
    }
}
