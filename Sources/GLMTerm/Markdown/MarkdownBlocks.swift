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
    static func split(_ text: String) -> [MarkdownBlock] {
        var blocks: [MarkdownBlock] = []
        var fence: (marker: String, language: String, lines: [String])?
        var prose: [String] = []

        func flushProse() {
            if !prose.isEmpty { blocks.append(MarkdownBlock(kind: .text, lines: prose)) }
            prose.removeAll()
        }

        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(rawLine)
            let trimmed = line.drop { $0 == " " }
            if var open = fence {
                if trimmed.hasPrefix(open.marker), trimmed.drop(while: { String($0) == String(open.marker.first ?? "`") }).allSatisfy({ $0 == " " }) {
                    blocks.append(MarkdownBlock(kind: .code(language: open.language, closed: true), lines: open.lines))
                    fence = nil
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
                continue
            }
            prose.append(line)
        }
        flushProse()
        if let open = fence {
            blocks.append(MarkdownBlock(kind: .code(language: open.language, closed: false), lines: open.lines))
        }
        return blocks
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
