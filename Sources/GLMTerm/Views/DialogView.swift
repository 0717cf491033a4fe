/// A centred box over the screen: help, the model list, a confirmation or a one-line prompt.
struct DialogView {
    var title: String
    var lines: [[Span]]
    var selected: Int?
    var field: InputEditor?
    var footer: String
    var theme: Theme

    /// Draws the box; returns the cursor position when it has a text field.
    func draw(into grid: inout CellGrid, screen: Size) -> Position? {
        let width = min(screen.columns - 2, max(40, min(76, lines.map { $0.reduce(0) { $0 + Glyphs.width(of: $1.text) } }.max() ?? 0) + 4))
        let bodyRows = lines.count + (field == nil ? 0 : 1)
        let height = min(screen.rows - 2, bodyRows + 4)
        guard width >= 10, height >= 4 else { return nil }
        let rect = Rect(row: (screen.rows - height) / 2, column: (screen.columns - width) / 2, rows: height, columns: width)
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
        grid.write(CellGrid.truncated(" \(title) ", width: width - 4), style: theme[.assistant], row: rect.row, column: rect.column + 2)
        grid.write(CellGrid.truncated(" \(footer) ", width: width - 4), style: theme[.dim], row: rect.bottom - 1, column: rect.column + 2)
        let inner = width - 4
        let visible = height - 4 - (field == nil ? 0 : 1)
        let first = max(0, (selected ?? 0) - visible + 1)
        for (offset, spans) in lines.dropFirst(first).prefix(max(0, visible)).enumerated() {
            let row = rect.row + 2 + offset
            let isSelected = selected == first + offset
            if isSelected { grid.fill(Rect(row: row, column: rect.column + 1, rows: 1, columns: width - 2), style: theme[.selection]) }
            var column = rect.column + 2
            for span in spans {
                let style = isSelected ? theme[.selection] : span.style
                column = grid.write(CellGrid.truncated(span.text, width: rect.column + 2 + inner - column), style: style,
                                    row: row, column: column, limit: rect.column + 2 + inner)
            }
        }
        guard let field else { return nil }
        let row = rect.bottom - 3
        let layout = field.layout(width: 1000)
        let shift = max(0, layout.caret.column - inner + 1)
        var column = rect.column + 2 - shift
        for placed in layout.lines.first?.glyphs ?? [] {
            if column >= rect.column + 2 {
                grid.put(placed.glyph, style: theme[.user], row: row, column: column, limit: rect.column + 2 + inner)
            }
            column += placed.glyph.width
        }
        return Position(row: row, column: rect.column + 2 + layout.caret.column - shift)
    }
}
