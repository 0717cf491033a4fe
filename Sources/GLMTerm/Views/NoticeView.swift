/// A notice too long for the input box's border (a load error naming a path, a first-run hint),
/// wrapped over the rows just above the input, so it can be read whole.
struct NoticeView {
    var text: String
    var isError: Bool
    var theme: Theme

    /// The lines `text` takes in `columns` (one cell of margin on each side).
    static func lines(_ text: String, columns: Int, style: Style = .plain) -> [TextLine] {
        TextLayout.wrap(text, width: max(2, columns - 2), style: style)
    }

    /// Whether `text` fits on the input box's border (its label has a space on each side).
    static func fitsBorder(_ text: String, columns: Int) -> Bool {
        Glyphs.width(of: " \(text) ") <= columns - 2 && !text.contains("\n")
    }

    func draw(into grid: inout CellGrid, rect: Rect) {
        guard rect.rows > 0 else { return }
        grid.fill(rect, style: .plain)
        let style = isError ? theme[.error] : theme[.system]
        for (index, line) in Self.lines(text, columns: rect.columns, style: style).prefix(rect.rows).enumerated() {
            grid.draw(line, row: rect.row + index, column: rect.column + 1, limit: rect.right - 1)
        }
    }
}
