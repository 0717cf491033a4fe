import GLMEngine
import GLMStore
/// Renders an answer's Markdown into transcript rows: code blocks on their own background and
/// never reflowed (long lines are broken, not joined), headings, lists with hanging indents,
/// quotes, bold, italic and inline code. Closed blocks are cached per answer and width.
@MainActor
final class MarkdownRenderer {
    private struct CachedBlock {
        var block: MarkdownBlock
        var rows: [TranscriptRow]
    }

    private var cache: [MessageID: (width: Int, blocks: [CachedBlock])] = [:]
    private(set) var blocksRendered = 0

    func render(_ text: String, width: Int, theme: Theme, key: MessageID) -> [TranscriptRow] {
        renderWithCode(text, width: width, theme: theme, key: key).rows
    }

    /// The rows, and where each code block is among them with its text (what "copy" takes).
    func renderWithCode(_ text: String, width: Int, theme: Theme, key: MessageID)
        -> (rows: [TranscriptRow], code: [(rows: Range<Int>, text: String)]) {
        let blocks = MarkdownBlock.split(text)
        let previous = cache[key]?.width == width ? cache[key]?.blocks ?? [] : []
        var rendered: [CachedBlock] = []
        for (index, block) in blocks.enumerated() {
            if index < previous.count, previous[index].block == block {
                rendered.append(previous[index])
            } else {
                blocksRendered += 1
                rendered.append(CachedBlock(block: block, rows: rows(for: block, width: width, theme: theme)))
            }
        }
        cache[key] = (width, rendered)
        var code: [(rows: Range<Int>, text: String)] = []
        var offset = 0
        for block in rendered {
            if case .code = block.block.kind {
                code.append((offset..<(offset + block.rows.count), block.block.lines.joined(separator: "\n")))
            }
            offset += block.rows.count
        }
        return (rendered.flatMap(\.rows), code)
    }

    /// Forgets answers no longer shown.
    func keep(only live: Set<MessageID>) {
        if cache.keys.contains(where: { !live.contains($0) }) {
            cache = cache.filter { live.contains($0.key) }
        }
    }

    private func rows(for block: MarkdownBlock, width: Int, theme: Theme) -> [TranscriptRow] {
        switch block.kind {
        case .blank:
            return [TranscriptRow(line: TextLine(start: 0))]
        case .code(let language, _):
            return codeRows(block.lines, language: language, width: width, theme: theme)
        case .text:
            return block.lines.flatMap { proseRows($0, width: width, theme: theme) }
        }
    }

    private func codeRows(_ lines: [String], language: String, width: Int, theme: Theme) -> [TranscriptRow] {
        let style = theme[.code]
        var rows: [TranscriptRow] = []
        if !language.isEmpty {
            rows.append(TranscriptRow(line: indented(TextLayout.wrap(language, width: width, style: style.adding(.dim)).first), fill: style))
        }
        for line in lines {
            for wrapped in TextLayout.wrap(line, width: max(2, width - 1), style: style, mode: .characters) {
                rows.append(TranscriptRow(line: indented(wrapped), fill: style))
            }
        }
        if lines.isEmpty { rows.append(TranscriptRow(line: TextLine(start: 0), fill: style)) }
        return rows
    }

    private func indented(_ line: TextLine?) -> TextLine {
        var result = TextLine(start: 0)
        let pad = PlacedGlyph(glyph: Glyph(" ", width: 1), style: line?.glyphs.first?.style ?? .plain, source: 0)
        result.glyphs = [pad] + (line?.glyphs ?? [])
        result.width = 1 + (line?.width ?? 0)
        return result
    }

    private func proseRows(_ line: String, width: Int, theme: Theme) -> [TranscriptRow] {
        let leading = line.prefix { $0 == " " }.count
        let content = line.dropFirst(leading)
        let nesting = min(leading, width / 2)
        if let level = headingLevel(content) {
            let text = content.dropFirst(level).trimmingSpaces()
            var style = theme[.assistant].adding(.bold)
            if level <= 2 { style = style.adding(.underline) }
            return TextLayout.wrap(InlineMarkdown.spans(text, base: style, code: theme[.code]), width: width).map { TranscriptRow(line: $0) }
        }
        if content.allSatisfy({ $0 == "-" || $0 == "*" || $0 == "_" || $0 == " " }), content.filter({ $0 != " " }).count >= 3 {
            return [TranscriptRow(line: TextLayout.wrap(String(repeating: "─", count: max(1, width)), width: width, style: theme[.dim])[0])]
        }
        if let marker = listMarker(content) {
            let body = String(content.dropFirst(marker.source))
            return hanging(marker: marker.shown, body: body, indent: nesting, width: width, theme: theme, base: .plain)
        }
        if content.hasPrefix(">") {
            let body = String(content.dropFirst().drop { $0 == " " })
            return hanging(marker: "│ ", body: body, indent: nesting, width: width, theme: theme, base: theme[.dim])
        }
        return TextLayout.wrap(InlineMarkdown.spans(line, base: .plain, code: theme[.code]), width: width).map { TranscriptRow(line: $0) }
    }

    /// A marker on the first row, the text wrapped beside it and continued under the text.
    private func hanging(marker: String, body: String, indent: Int, width: Int, theme: Theme, base: Style) -> [TranscriptRow] {
        let markerWidth = Glyphs.width(of: marker)
        let textWidth = max(2, width - indent - markerWidth)
        let lines = TextLayout.wrap(InlineMarkdown.spans(body, base: base, code: theme[.code]), width: textWidth)
        let markerStyle = marker == "│ " ? theme[.dim] : theme[.assistant]
        return lines.enumerated().map { index, line in
            guard index == 0 else { return TranscriptRow(line: line, indent: indent + markerWidth) }
            var first = TextLayout.wrap(marker, width: markerWidth + 1, style: markerStyle).first ?? TextLine(start: 0)
            first.glyphs += line.glyphs
            first.width += line.width
            return TranscriptRow(line: first, indent: indent)
        }
    }

    private func headingLevel(_ text: Substring) -> Int? {
        let hashes = text.prefix { $0 == "#" }.count
        guard (1...6).contains(hashes), text.dropFirst(hashes).first == " " else { return nil }
        return hashes
    }

    private func listMarker(_ text: Substring) -> (source: Int, shown: String)? {
        for bullet in ["- ", "* ", "+ "] where text.hasPrefix(bullet) {
            return (2, "• ")
        }
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 3 else { return nil }
        let after = text.dropFirst(digits.count)
        if after.hasPrefix(". ") || after.hasPrefix(") ") {
            return (digits.count + 2, String(digits) + after.prefix(1) + " ")
        }
        return nil
    }
}
