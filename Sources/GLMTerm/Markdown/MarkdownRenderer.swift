import Foundation
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
        /// A code block's text (what "copy" takes), joined once.
        var code: String?
    }

    /// Per answer: the width, the text last rendered, its blocks and how many of them are settled
    /// (`MarkdownBlock.split`): the text up to `settledBytes` is split only once.
    private struct Rendered {
        var width: Int
        var text: String
        var blocks: [CachedBlock]
        var settledBlocks: Int
        var settledBytes: Int
    }

    private var cache: [MessageID: Rendered] = [:]
    private(set) var blocksRendered = 0
    /// UTF-8 bytes handed to the splitter so far (tests: a streamed answer is split only past its settled part).
    private(set) var bytesSplit = 0

    func render(_ text: String, width: Int, theme: Theme, key: MessageID) -> [TranscriptRow] {
        renderWithCode(text, width: width, theme: theme, key: key).rows
    }

    /// The rows, and where each code block is among them with its text (what "copy" takes).
    func renderWithCode(_ text: String, width: Int, theme: Theme, key: MessageID)
        -> (rows: [TranscriptRow], code: [(rows: Range<Int>, text: String)]) {
        let previous = cache[key].flatMap { $0.width == width ? $0 : nil }
        // a streamed answer only grows: keep the settled blocks while the text before them is the same
        var kept: [CachedBlock] = []
        var start = text.startIndex
        var settledBytes = 0
        if let previous, Self.sameBytes(text, previous.text, count: previous.settledBytes) {
            kept = Array(previous.blocks.prefix(previous.settledBlocks))
            start = text.utf8.index(text.startIndex, offsetBy: previous.settledBytes)
            settledBytes = previous.settledBytes
        }
        let split = MarkdownBlock.split(text[start...])
        bytesSplit += text.utf8.count - settledBytes
        let reusable = previous?.blocks.dropFirst(kept.count) ?? []
        var rendered = kept
        for (index, block) in split.blocks.enumerated() {
            if index < reusable.count, reusable[reusable.startIndex + index].block == block {
                rendered.append(reusable[reusable.startIndex + index])
            } else {
                blocksRendered += 1
                var code: String?
                if case .code = block.kind { code = block.lines.joined(separator: "\n") }
                rendered.append(CachedBlock(block: block, rows: rows(for: block, width: width, theme: theme), code: code))
            }
        }
        cache[key] = Rendered(width: width, text: text, blocks: rendered, settledBlocks: kept.count + split.settledBlocks,
                              settledBytes: settledBytes + split.settledBytes)
        var code: [(rows: Range<Int>, text: String)] = []
        var offset = 0
        for block in rendered {
            if let text = block.code { code.append((offset..<(offset + block.rows.count), text)) }
            offset += block.rows.count
        }
        return (rendered.flatMap(\.rows), code)
    }

    /// Whether the first `count` UTF-8 bytes of two texts are there and the same.
    private static func sameBytes(_ first: String, _ second: String, count: Int) -> Bool {
        guard first.utf8.count >= count, second.utf8.count >= count else { return false }
        guard count > 0 else { return true }
        var first = first, second = second
        return first.withUTF8 { a in
            second.withUTF8 { b in
                guard let left = a.baseAddress, let right = b.baseAddress else { return false }
                return memcmp(left, right, count) == 0
            }
        }
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
