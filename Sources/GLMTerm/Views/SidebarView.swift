import GLMEngine
import GLMStore
/// The list of sessions, newest first, with the current one marked and, when the sidebar has the
/// focus, the selected one highlighted. While searching it lists the hits instead: each title,
/// and under it the matching piece of a message, with the matched text in the theme's `match` style.
struct SidebarView {
    var sessions: [Session]
    /// Search results (same order as `sessions`), or nil when not searching.
    var hits: [SearchHit]?
    var current: SessionID?
    var selected: Int
    var focused: Bool
    /// The search being typed, if any; drawn in the heading with the cursor after it.
    var filter: String?
    /// The archived sessions are listed.
    var archived: Bool
    var theme: Theme

    /// Returns where the cursor goes while a search is typed.
    @discardableResult
    func draw(into grid: inout CellGrid, rect: Rect) -> Position? {
        guard rect.rows > 0, rect.columns > 2 else { return nil }
        let inner = rect.columns - 1
        grid.fill(Rect(row: rect.row, column: rect.column, rows: rect.rows, columns: inner), style: theme[.sidebar])
        for row in rect.row..<rect.bottom {
            grid.put(Glyph("│", width: 1), style: theme[.border], row: row, column: rect.right - 1)
        }
        let cursor = drawHeading(into: &grid, rect: rect, inner: inner)
        let listRows = rect.rows - 1
        guard listRows > 0 else { return cursor }
        let rowsPerItem = hits == nil ? 1 : 2
        let visibleItems = max(1, listRows / rowsPerItem)
        let first = Self.firstShown(selected: selected, count: sessions.count, visibleItems: visibleItems)
        for (offset, session) in sessions.dropFirst(first).prefix(visibleItems).enumerated() {
            let index = first + offset
            let row = rect.row + 1 + offset * rowsPerItem
            var style = theme[.sidebar]
            if session.id == current { style = style.adding(.bold) }
            if focused && index == selected { style = theme[.selection] }
            grid.fill(Rect(row: row, column: rect.column, rows: min(rowsPerItem, rect.bottom - row), columns: inner), style: style)
            let marker = session.id == current ? "▸ " : "  "
            let column = grid.write(marker, style: style, row: row, column: rect.column, limit: rect.column + inner)
            let hit = hits.flatMap { $0.indices.contains(index) ? $0[index] : nil }
            // base and 32K sessions say so at the right edge; the title is cut before the tag
            let tag = Self.kindTag(session).map { " " + $0 } ?? ""
            let tagWidth = Glyphs.width(of: tag)
            let end = drawHighlighted(session.displayTitle, matches: hit.map { Self.offsets($0.titleMatches, in: session.title) } ?? [],
                                      style: style, into: &grid,
                                      row: row, column: column, limit: rect.column + inner - tagWidth)
            if !tag.isEmpty {
                let tagStyle = focused && index == selected ? style : theme[.dim].adding(.bold)
                grid.write(tag, style: tagStyle, row: row, column: rect.column + inner - tagWidth, limit: rect.column + inner)
            }
            if hits != nil, session.isArchived {
                // search reaches archived sessions too: say which ones are not in the main list
                let tagStyle = focused && index == selected ? style : theme[.dim]
                grid.write(" (archived)", style: tagStyle, row: row, column: end, limit: rect.column + inner - tagWidth)
            }
            if let snippet = hit?.snippet, row + 1 < rect.bottom {
                let (text, matches) = Self.window(snippet.text, matches: Self.offsets(snippet.matches, in: snippet.text))
                let snippetStyle = focused && index == selected ? style : theme[.dim]
                drawHighlighted(text, matches: matches, style: snippetStyle, into: &grid,
                                row: row + 1, column: rect.column + 4, limit: rect.column + inner)
            }
        }
        if sessions.isEmpty {
            let empty = hits != nil ? "  (no match)" : (archived ? "  (none archived)" : "  (no sessions)")
            grid.write(Glyphs.truncated(empty, toCells: inner), style: theme[.dim], row: rect.row + 1, column: rect.column)
        }
        return cursor
    }

    /// What marks a session written with a base or 32K model ("base", "32K"); nil for chat.
    static func kindTag(_ session: Session) -> String? {
        guard let kind = ModelKind(rawValue: session.modelKind), kind != .chat else { return nil }
        return kind.label
    }

    /// The first session shown: the list scrolls just enough to show the selected one.
    static func firstShown(selected: Int, count: Int, visibleItems: Int) -> Int {
        max(0, min(selected - visibleItems + 1, count - visibleItems))
    }

    /// The session drawn at screen row `row` of a list drawn in `rect`, if any (a click).
    static func session(atRow row: Int, in rect: Rect, selected: Int, count: Int, searching: Bool) -> Int? {
        let rowsPerItem = searching ? 2 : 1
        let visibleItems = max(1, (rect.rows - 1) / rowsPerItem)
        guard row > rect.row else { return nil }
        let index = firstShown(selected: selected, count: count, visibleItems: visibleItems) + (row - rect.row - 1) / rowsPerItem
        return index < count ? index : nil
    }

    private func drawHeading(into grid: inout CellGrid, rect: Rect, inner: Int) -> Position? {
        if let filter {
            let shown = " /" + filter
            let room = inner - 1
            var visible = shown
            while Glyphs.width(of: visible) > room, !visible.isEmpty { visible.removeFirst() }
            let end = grid.write(visible, style: theme[.user], row: rect.row, column: rect.column, limit: rect.column + inner)
            return Position(row: rect.row, column: min(end, rect.column + inner - 1))
        }
        let name = archived ? " Archived" : " Sessions"
        let heading = focused ? name + (archived ? " (A: back)" : " (/ searches)") : name
        grid.write(Glyphs.truncated(heading, toCells: inner), style: theme[.dim].adding(.bold), row: rect.row, column: rect.column)
        return nil
    }

    /// Draws `text` on one line, cut with "…" to fit before `limit` (titles are stored whole); the
    /// characters inside `matches` in the `match` style (over the row's own background, so a match
    /// on the selected row stays visible).
    @discardableResult
    private func drawHighlighted(_ text: String, matches: [Range<Int>], style: Style, into grid: inout CellGrid,
                                 row: Int, column: Int, limit: Int) -> Int {
        var match = theme[.match]
        if style == theme[.selection] { match = style.adding(match.attributes) }
        let (kept, isCut) = Glyphs.fittingPrefix(of: text[...], cells: limit - column)
        var col = column
        for (offset, character) in kept.enumerated() {
            let flat: Character = character.isNewline || character == "\t" ? " " : character
            let inMatch = matches.contains { $0.contains(offset) }
            for glyph in Glyphs.glyphs(for: flat) {
                col = grid.put(glyph, style: inMatch ? match : style, row: row, column: col, limit: limit)
            }
        }
        if isCut { col = grid.put(Glyph("…", width: 1), style: style, row: row, column: col, limit: limit) }
        return col
    }

    /// Ranges of `text` as Character offsets (what the drawing counts in).
    static func offsets(_ ranges: [Range<String.Index>], in text: String) -> [Range<Int>] {
        ranges.map { range in
            let start = text.distance(from: text.startIndex, to: range.lowerBound)
            return start..<(start + text.distance(from: range.lowerBound, to: range.upperBound))
        }
    }

    /// The part of a snippet from a little before its first match, so the match shows in a
    /// narrow list; the ranges move with it.
    static func window(_ snippet: String, matches: [Range<Int>]) -> (String, [Range<Int>]) {
        let lead = 6
        guard let firstMatch = matches.first, firstMatch.lowerBound > lead else { return (snippet, matches) }
        let drop = firstMatch.lowerBound - lead
        let shift = drop - 1   // "…" takes the place of the dropped text
        return ("…" + snippet.dropFirst(drop), matches.map { ($0.lowerBound - shift)..<($0.upperBound - shift) })
    }
}
