import GLMEngine
import GLMStore
/// One row of the transcript: a laid-out line, drawn `indent` cells in, optionally on a
/// background that fills the row (code blocks).
struct TranscriptRow: Equatable, Sendable {
    var line: TextLine
    var indent: Int = 0
    var fill: Style?
}

/// Turns messages into transcript rows and remembers them per message, so a frame only lays out
/// the message that changed (the answer being streamed).
@MainActor
final class TranscriptLayout {
    private struct Entry {
        var text: String
        var state: MessageState
        var width: Int
        var rows: [TranscriptRow]
    }

    private var cache: [MessageID: Entry] = [:]
    private let markdown = MarkdownRenderer()
    var theme: Theme
    /// A base model continues text: the headers say "Prompt" and "Continuation", not who spoke.
    var completion = false {
        didSet { if completion != oldValue { invalidate() } }
    }

    init(theme: Theme) {
        self.theme = theme
    }

    /// All rows, and the index of each message's first row.
    func rows(for messages: [Message], width: Int) -> (rows: [TranscriptRow], starts: [Int]) {
        var rows: [TranscriptRow] = []
        var starts: [Int] = []
        var live = Set<MessageID>()
        for message in messages {
            starts.append(rows.count)
            live.insert(message.id)
            if let entry = cache[message.id], entry.text.isByteEqual(to: message.content), entry.state == message.state, entry.width == width {
                rows += entry.rows
                continue
            }
            let laidOut = layOut(message, width: width)
            cache[message.id] = Entry(text: message.content, state: message.state, width: width, rows: laidOut)
            rows += laidOut
        }
        cache = cache.filter { live.contains($0.key) }
        markdown.keep(only: live)
        return (rows, starts)
    }

    func invalidate() {
        cache.removeAll()
    }

    private func layOut(_ message: Message, width: Int) -> [TranscriptRow] {
        let bodyWidth = max(2, width - 2)
        switch message.role {
        case .system where message.isContextClear:
            let rule = "── context cleared ──"
            return [row([Span(rule, style: theme[.dim])], width: width), blank()]
        case .system:
            var rows = [row([Span("System", style: theme[.system].adding(.bold))], width: width)]
            rows += TextLayout.wrap(message.content, width: bodyWidth, style: theme[.system]).map { TranscriptRow(line: $0, indent: 2) }
            return rows + [blank()]
        case .user, .observation:
            let name = message.role == .observation ? "Observation" : (completion ? "Prompt" : "You")
            var rows = [row([Span(name, style: theme[.user])], width: width)]
            rows += TextLayout.wrap(message.content, width: bodyWidth).map { TranscriptRow(line: $0, indent: 2) }
            return rows + [blank()]
        case .assistant:
            var header = [Span(completion ? "Continuation" : "GLM", style: theme[.assistant])]
            switch message.state {
            case .stopped: header.append(Span("  [stopped]", style: theme[.dim]))
            case .streaming: header.append(Span("  …", style: theme[.dim]))
            case .failed: header.append(Span("  [failed]", style: theme[.error]))
            case .complete: break
            }
            var rows = [row(header, width: width)]
            rows += markdown.render(message.content, width: bodyWidth, theme: theme, key: message.id).map {
                var shifted = $0
                shifted.indent += 2
                return shifted
            }
            if message.state == .failed {
                rows += TextLayout.wrap(message.error ?? "failed", width: bodyWidth, style: theme[.error]).map { TranscriptRow(line: $0, indent: 2) }
            }
            return rows + [blank()]
        }
    }

    private func row(_ spans: [Span], width: Int) -> TranscriptRow {
        TranscriptRow(line: TextLayout.wrap(spans, width: width).first ?? TextLine(start: 0))
    }

    private func blank() -> TranscriptRow {
        TranscriptRow(line: TextLine(start: 0))
    }
}
