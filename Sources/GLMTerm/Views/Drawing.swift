/// Small drawing helpers shared by the views.
extension CellGrid {
    /// Draws a laid-out line at `row`, starting at `column`, clipped to `limit`.
    mutating func draw(_ line: TextLine, row: Int, column: Int, limit: Int) {
        var col = column
        for placed in line.glyphs {
            col = put(placed.glyph, style: placed.style, row: row, column: col, limit: limit)
        }
    }

    mutating func horizontalLine(row: Int, from column: Int, to end: Int, style: Style) {
        for col in column..<max(column, end) {
            put(Glyph("─", width: 1), style: style, row: row, column: col)
        }
    }
}

