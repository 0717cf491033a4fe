/// A centred box over the screen: help, the model list, a confirmation or a one-line prompt.
/// Long lines wrap; with `hangingIndent` the wrapped part stays right of the first column
/// (the key column of the help). Content taller than the box scrolls.
struct DialogView {
    var title: String
    var lines: [[Span]]
    var selected: Int?
    var field: InputEditor?
    var footer: String
    var theme: Theme
    var hangingIndent = 0
    /// First content row shown (help scrolling); clamped to what exists.
    var scroll = 0

    /// Draws the box; returns the cursor position when it has a text field.
    func draw(into grid: inout CellGrid, screen: Size) -> Position? {
        let natural = lines.map { $0.reduce(0) { $0 + Glyphs.width(of: $1.text) } }.max() ?? 0
        let width = min(screen.columns - 2, max(40, min(100, natural + 4)))
        guard width >= 10 else { return nil }
        let inner = width - 4
        let rows = layOut(width: inner)
        let bodyRows = rows.count + (field == nil ? 0 : 1)
        let height = min(screen.rows - 2, bodyRows + 4)
        guard height >= 4 else { return nil }
        let rect = Rect(row: (screen.rows - height) / 2, column: (screen.columns - width) / 2, rows: height, columns: width)
        drawFrame(into: &grid, rect: rect)
        let visible = max(0, height - 4 - (field == nil ? 0 : 1))
        var first = min(scroll, max(0, rows.count - visible))
        if let selected, let lastRow = rows.lastIndex(where: { $0.line == selected }) {
            first = max(0, lastRow - visible + 1)
        }
        for (offset, row) in rows.dropFirst(first).prefix(visible).enumerated() {
            let screenRow = rect.row + 2 + offset
            let isSelected = selected == row.line
            if isSelected { grid.fill(Rect(row: screenRow, column: rect.column + 1, rows: 1, columns: width - 2), style: theme[.selection]) }
            var column = rect.column + 2 + row.indent
            for placed in row.text.glyphs {
                column = grid.put(placed.glyph, style: isSelected ? theme[.selection] : placed.style,
                                  row: screenRow, column: column, limit: rect.column + 2 + inner)
            }
        }
        if first + visible < rows.count {
            grid.write("↓", style: theme[.dim], row: rect.bottom - 2, column: rect.right - 2)
        }
        if first > 0 {
            grid.write("↑", style: theme[.dim], row: rect.row + 1, column: rect.right - 2)
        }
        guard let field else { return nil }
        return drawField(field, into: &grid, row: rect.bottom - 3, column: rect.column + 2, width: inner)
    }

    private struct Row {
        var text: TextLine
        var indent: Int
        var line: Int
    }

    private func layOut(width: Int) -> [Row] {
        var rows: [Row] = []
        for (index, spans) in lines.enumerated() {
            if hangingIndent > 0, hangingIndent < width - 4, let head = spans.first {
                let body = TextLayout.wrap(Array(spans.dropFirst()), width: width - hangingIndent)
                for (part, line) in body.enumerated() {
                    if part == 0 {
                        var first = TextLayout.wrap([head], width: width).first ?? TextLine(start: 0)
                        let pad = hangingIndent - first.width
                        if pad > 0 {
                            first.glyphs += Array(repeating: PlacedGlyph(glyph: Glyph(" ", width: 1), style: head.style, source: 0), count: pad)
                            first.width += pad
                        }
                        first.glyphs += line.glyphs
                        first.width += line.width
                        rows.append(Row(text: first, indent: 0, line: index))
                    } else {
                        rows.append(Row(text: line, indent: hangingIndent, line: index))
                    }
                }
            } else {
                for line in TextLayout.wrap(spans, width: width) {
                    rows.append(Row(text: line, indent: 0, line: index))
                }
            }
        }
        return rows
    }

    private func drawFrame(into grid: inout CellGrid, rect: Rect) {
        let border = theme[.border]
        grid.fill(rect, style: .plain)
        grid.horizontalLine(row: rect.row, from: rect.column, to: rect.right, style: border)
        grid.horizontalLine(row: rect.bottom - 1, from: rect.column, to: rect.right, style: border)
        for row in rect.row..<rect.bottom {
            grid.put(Glyph("│", width: 1), style: border, row: row, column: rect.column)
            grid.put(Glyph("│", width: 1), style: border, row: row, column: rect.right - 1)
        }
        for (corner, row, column) in [("┌", rect.row, rect.column), ("┐", rect.row, rect.right - 1),
                                      ("└", rect.bottom - 1, rect.column), ("┘", rect.bottom - 1, rect.right - 1)] {
            grid.put(Glyph(corner, width: 1), style: border, row: row, column: column)
        }
        grid.write(Glyphs.truncated(" \(title) ", toCells: rect.columns - 4), style: theme[.assistant], row: rect.row, column: rect.column + 2)
        grid.write(Glyphs.truncated(" \(footer) ", toCells: rect.columns - 4), style: theme[.dim], row: rect.bottom - 1, column: rect.column + 2)
    }

    /// A one-line field that scrolls sideways to keep the caret visible.
    private func drawField(_ field: InputEditor, into grid: inout CellGrid, row: Int, column left: Int, width: Int) -> Position {
        let layout = field.layout(width: 100_000, rows: 1)
        let shift = max(0, layout.caret.column - width + 1)
        var column = left - shift
        for placed in layout.lines.first?.glyphs ?? [] {
            if column >= left {
                grid.put(placed.glyph, style: theme[.user], row: row, column: column, limit: left + width)
            }
            column += placed.glyph.width
        }
        return Position(row: row, column: left + layout.caret.column - shift)
    }
}
