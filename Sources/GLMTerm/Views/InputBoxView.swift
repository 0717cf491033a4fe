/// The multi-line input: a top border (carrying a hint or a notice) and the text, scrolled so that
/// the caret row is visible. Returns where the terminal cursor goes.
struct InputBoxView {
    var editor: InputEditor
    /// The editor's text laid out at this box's width (the app keeps it between frames).
    var layout: EditorLayout
    var title: String
    var notice: String?
    var noticeIsError: Bool
    var theme: Theme

    func draw(into grid: inout CellGrid, rect: Rect) -> Position? {
        guard rect.rows >= 1, rect.columns >= 4 else { return nil }
        grid.fill(rect, style: .plain)
        grid.horizontalLine(row: rect.row, from: rect.column, to: rect.right, style: theme[.border])
        let label = notice.map { " \($0) " } ?? " \(title) "
        let labelStyle = notice == nil ? theme[.dim] : (noticeIsError ? theme[.error] : theme[.system])
        grid.write(Glyphs.truncated(label, toCells: rect.columns - 2), style: labelStyle,
                   row: rect.row, column: rect.column + 1, limit: rect.right)
        let textRows = rect.rows - 1
        guard textRows > 0 else { return nil }
        let width = rect.columns - 2
        let first = max(0, layout.caret.row - textRows + 1)
        for (offset, line) in layout.lines.dropFirst(first).prefix(textRows).enumerated() {
            grid.draw(line, row: rect.row + 1 + offset, column: rect.column + 1, limit: rect.column + 1 + width)
        }
        return Position(row: rect.row + 1 + layout.caret.row - first, column: rect.column + 1 + layout.caret.column)
    }

    /// The width the text gets in a box `columns` wide.
    static func textWidth(columns: Int) -> Int { max(2, columns - 2) }
}
