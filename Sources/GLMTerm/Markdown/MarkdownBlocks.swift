/// A block of an answer: blocks are rendered (and cached) one by one, so while an answer streams
/// only the last, still-open block changes.
struct MarkdownBlock: Equatable, Sendable {
    enum Kind: Equatable, Sendable {
        /// Lines of prose: paragraphs, headings, list items, quotes.
        case text
        case blank
        /// A fenced code block; `closed` is false while its closing fence has not arrived yet.
        case code(language: String, closed: Bool)
    }

    var kind: Kind
    var lines: [String]

    /// Splits an answer into blocks. An unclosed fence runs to the end of the text.
    static func split(_ text: String) -> [MarkdownBlock] { split(text[...]).blocks }

    /// The blocks of `text`, and how much of it is settled: its first `settledBytes` UTF-8 bytes end
    /// with a whole line after which the splitter starts afresh (a blank line or a closing fence), and
    /// they make the first `settledBlocks` blocks whatever text is appended. So an answer that grows
    /// is split again only from there: `split(text[settled...])` gives the blocks after them.
    static func split(_ text: Substring) -> (blocks: [MarkdownBlock], settledBlocks: Int, settledBytes: Int) {
        var blocks: [MarkdownBlock] = []
        var settledBlocks = 0
        var settledBytes = 0
        var lineEnd = 0
        var fence: (marker: String, language: String, lines: [String])?
        var prose: [String] = []

        func flushProse() {
            if !prose.isEmpty { blocks.append(MarkdownBlock(kind: .text, lines: prose)) }
            prose.removeAll()
        }

        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (number, rawLine) in lines.enumerated() {
            let line = String(rawLine)
            let trimmed = line.drop { $0 == " " }
            lineEnd += rawLine.utf8.count + 1
            // only a line with its newline is whole: the last one may still grow
            let whole = number + 1 < lines.count
            if var open = fence {
                if trimmed.hasPrefix(open.marker), trimmed.drop(while: { String($0) == String(open.marker.first ?? "`") }).allSatisfy({ $0 == " " }) {
                    blocks.append(MarkdownBlock(kind: .code(language: open.language, closed: true), lines: open.lines))
                    fence = nil
                    if whole { (settledBlocks, settledBytes) = (blocks.count, lineEnd) }
                } else {
                    open.lines.append(line)
                    fence = open
                }
                continue
            }
            if line.count - trimmed.count <= 3, let marker = fenceMarker(trimmed) {
                flushProse()
                let language = trimmed.dropFirst(marker.count).trimmingSpaces()
                fence = (marker, language, [])
                continue
            }
            if trimmed.isEmpty {
                flushProse()
                blocks.append(MarkdownBlock(kind: .blank, lines: []))
                if whole { (settledBlocks, settledBytes) = (blocks.count, lineEnd) }
                continue
            }
            prose.append(line)
        }
        flushProse()
        if let open = fence {
            blocks.append(MarkdownBlock(kind: .code(language: open.language, closed: false), lines: open.lines))
        }
        return (blocks, settledBlocks, settledBytes)
    }

    private static func fenceMarker(_ line: Substring) -> String? {
        for character in ["`", "~"] {
            let run = line.prefix { String($0) == character }
            if run.count >= 3 { return String(run) }
        }
        return nil
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
