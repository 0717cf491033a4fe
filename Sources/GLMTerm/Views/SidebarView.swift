/// The list of sessions, newest first, with the current one marked and, when the sidebar has the
/// focus, the selected one highlighted.
struct SidebarView {
    var sessions: [SessionSummary]
    var current: SessionID?
    var selected: Int
    var focused: Bool
    /// The title filter being typed, if any; drawn in the heading with the cursor after it.
    var filter: String?
    var theme: Theme

    /// Returns where the cursor goes while a filter is typed.
    @discardableResult
    func draw(into grid: inout CellGrid, rect: Rect) -> Position? {
        guard rect.rows > 0, rect.columns > 2 else { return nil }
        let inner = rect.columns - 1
        grid.fill(Rect(row: rect.row, column: rect.column, rows: rect.rows, columns: inner), style: theme[.sidebar])
        for row in rect.row..<rect.bottom {
            grid.put(Glyph("│", width: 1), style: theme[.border], row: row, column: rect.right - 1)
        }
        var cursor: Position?
        if let filter {
            let shown = " /" + filter
            let room = inner - 1
            var visible = shown
            while Glyphs.width(of: visible) > room, !visible.isEmpty { visible.removeFirst() }
            let end = grid.write(visible, style: theme[.user], row: rect.row, column: rect.column, limit: rect.column + inner)
            cursor = Position(row: rect.row, column: min(end, rect.column + inner - 1))
        } else {
            let heading = focused ? " Sessions (/ filters)" : " Sessions"
            grid.write(CellGrid.truncated(heading, width: inner), style: theme[.dim].adding(.bold), row: rect.row, column: rect.column)
        }
        let listRows = rect.rows - 1
        guard listRows > 0 else { return cursor }
        let first = max(0, min(selected - listRows + 1, sessions.count - listRows))
        for (offset, session) in sessions.dropFirst(first).prefix(listRows).enumerated() {
            let index = first + offset
            let row = rect.row + 1 + offset
            var style = theme[.sidebar]
            if session.id == current { style = style.adding(.bold) }
            if focused && index == selected { style = theme[.selection] }
            grid.fill(Rect(row: row, column: rect.column, rows: 1, columns: inner), style: style)
            let marker = session.id == current ? "▸ " : "  "
            grid.write(marker + CellGrid.truncated(session.title, width: inner - 2), style: style,
                       row: row, column: rect.column, limit: rect.column + inner)
        }
        if sessions.isEmpty {
            let empty = filter == nil ? "  (no sessions)" : "  (no match)"
            grid.write(CellGrid.truncated(empty, width: inner), style: theme[.dim], row: rect.row + 1, column: rect.column)
        }
        return cursor
    }
}
