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

    /// Text clipped to `width` cells, with "…" when it was cut.
    static func truncated(_ text: String, width: Int) -> String {
        guard width > 0 else { return "" }
        let flat = String(text.map { $0.isNewline || $0 == "\t" ? " " : $0 })
        guard Glyphs.width(of: flat) > width else { return flat }
        var result = ""
        var used = 0
        for character in flat {
            let cells = Glyphs.width(of: character)
            if used + cells > width - 1 { break }
            result.append(character)
            used += cells
        }
        return result + "…"
    }
}
