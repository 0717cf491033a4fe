/// The editor's text laid out in display cells: the rows around the caret and the caret's place
/// among them.
public struct EditorLayout: Equatable, Sendable {
    /// The rows asked for, in order: all of them, or a window around the caret (`layout(width:rows:)`).
    public var lines: [TextLine]
    /// The caret's row within `lines`, and its column.
    public var caret: Position
}

/// Laying out only what is shown. The text wraps line by line (a line break starts a fresh row),
/// so only the lines around the caret are looked at; in a long line, where the rows start is found
/// from the layout codes without building glyphs, and glyphs are built only for the rows returned.
extension InputEditor {
    /// Lays the text out in `width` cells and finds the caret's cell. A caret after a full row
    /// goes to the start of the next row, so it is always inside the box.
    ///
    /// With `rows`, only the rows a box of that many rows shows are returned: the caret's row and
    /// the `rows - 1` before it, or the first `rows` rows when the caret is among them. So
    /// `lines.count` is the rows the text needs, up to `rows`.
    public func layout(width: Int, rows: Int = .max) -> EditorLayout {
        let width = max(2, width)
        let wanted = max(1, rows)
        let place = caretPlace(width: width)
        var before: [RowReference] = []
        if !place.isPastEnd {
            before = previousRows(from: place.anchor, count: wanted - 1, width: width)
        } else if wanted >= 2 {
            before = previousRows(from: place.anchor, count: wanted - 2, width: width) + [place.anchor]
        }
        let afterCount = max(0, wanted - 1 - before.count)
        let after = place.isPastEnd ? [] : nextRows(from: place.anchor, count: afterCount, width: width)
        var lines = materialize(before, width: width)
        let caretRow = lines.count
        if place.isPastEnd {
            lines.append(TextLine(start: caret))
        } else {
            lines += materialize([place.anchor], width: width)
        }
        lines += materialize(after, width: width)
        return EditorLayout(lines: lines, caret: Position(row: caretRow, column: place.column))
    }

    /// Up/Down inside multi-line input: the row above or below, at the same display column
    /// (or the nearest grapheme boundary left of it). Returns false at the first/last row.
    public mutating func moveVertically(by delta: Int, width: Int) -> Bool {
        let width = max(2, width)
        guard delta != 0 else { return true }
        let place = caretPlace(width: width)
        var target: RowReference?
        if delta < 0 {
            let above = place.isPastEnd
                ? previousRows(from: place.anchor, count: -delta - 1, width: width) + [place.anchor]
                : previousRows(from: place.anchor, count: -delta, width: width)
            if above.count == -delta { target = above.first }
        } else if !place.isPastEnd {
            let below = nextRows(from: place.anchor, count: delta, width: width)
            if below.count == delta { target = below.last }
        }
        guard let target, let line = materialize([target], width: width).first else { return false }
        var column = 0
        var offset = line.start
        var lastSource = -1
        for placed in line.glyphs where placed.source != lastSource {
            let glyphWidth = line.glyphs.filter { $0.source == placed.source }.reduce(0) { $0 + $1.glyph.width }
            if column + glyphWidth > place.column { break }
            column += glyphWidth
            offset = placed.source + 1
            lastSource = placed.source
        }
        caret = min(offset, characters.count)
        return true
    }

    /// One line of the text (between line breaks) and where its wrapped rows start.
    struct WrappedLine {
        struct RowStart {
            var offset: Int
            /// False when the row began inside a grapheme (one of several glyphs that did not fit):
            /// wrapping cannot start there.
            var atGrapheme: Bool
        }
        var start: Int
        /// The line break ending the line, or the text's end.
        var end: Int
        var rows: [RowStart]
        /// The caret's row and column, when the caret is in this line.
        var caret: (row: Int, column: Int)?
    }

    /// A row: its line and its index there.
    struct RowReference {
        var line: WrappedLine
        var row: Int
    }

    /// Where the caret is drawn: on `anchor` at `column`, or (`isPastEnd`) on a fresh row after
    /// `anchor`, the last row, which the caret filled.
    struct CaretPlace {
        var anchor: RowReference
        var column: Int
        var isPastEnd: Bool
    }

    func caretPlace(width: Int) -> CaretPlace {
        let width = max(2, width)
        var start = caret
        while start > 0, codes[start - 1] != LayoutCode.lineBreak { start -= 1 }
        let line = wrappedLine(from: start, width: width, caret: caret)
        let (row, column) = line.caret ?? (line.rows.count - 1, 0)
        let here = RowReference(line: line, row: row)
        guard column >= width else { return CaretPlace(anchor: here, column: column, isPastEnd: false) }
        if let next = nextRows(from: here, count: 1, width: width).first { return CaretPlace(anchor: next, column: 0, isPastEnd: false) }
        return CaretPlace(anchor: here, column: 0, isPastEnd: true)
    }

    /// Finds where the rows of the line starting at `start` begin, by the rules of
    /// `TextLayout.wrap` in `.characters` mode, from the layout codes.
    func wrappedLine(from start: Int, width: Int, caret: Int? = nil) -> WrappedLine {
        var rows = [WrappedLine.RowStart(offset: start, atGrapheme: true)]
        var column = 0
        var caretAt: (row: Int, column: Int)?
        var index = start
        while index < codes.count {
            let rowsBefore = rows.count
            if index == caret { caretAt = (rows.count - 1, column) }
            let code = codes[index]
            if code == LayoutCode.lineBreak { break }
            switch code {
            case 1, 2:
                if column + Int(code) > width, column > 0 {
                    rows.append(.init(offset: index, atGrapheme: true))
                    column = 0
                }
                column += Int(code)
            case LayoutCode.tab:
                if column >= width {
                    rows.append(.init(offset: index, atGrapheme: true))
                    column = 0
                }
                column += min(Glyphs.tabCells(atColumn: column), width - column)
            case LayoutCode.glyphs:
                let widths = Glyphs.glyphs(for: characters[index]).map(\.width)
                if column + widths.reduce(0, +) > width, column > 0 {
                    rows.append(.init(offset: index, atGrapheme: true))
                    column = 0
                }
                for glyphWidth in widths {
                    if column + glyphWidth > width, column > 0 {
                        rows.append(.init(offset: index, atGrapheme: false))
                        column = 0
                    }
                    column += glyphWidth
                }
            default:
                break   // draws nothing
            }
            if index == caret, rows.count > rowsBefore {
                caretAt = (rows.count - 1, 0)   // the caret's grapheme began a row
            }
            index += 1
        }
        if index == caret { caretAt = (rows.count - 1, column) }
        return WrappedLine(start: start, end: index, rows: rows, caret: caretAt)
    }

    /// Up to `count` rows before `reference`, in order.
    func previousRows(from reference: RowReference, count: Int, width: Int) -> [RowReference] {
        var found: [RowReference] = []
        var current = reference
        while found.count < count {
            if current.row > 0 {
                current.row -= 1
            } else {
                guard current.line.start > 0 else { break }
                var start = current.line.start - 1
                while start > 0, codes[start - 1] != LayoutCode.lineBreak { start -= 1 }
                let line = wrappedLine(from: start, width: width)
                current = RowReference(line: line, row: line.rows.count - 1)
            }
            found.append(current)
        }
        return found.reversed()
    }

    /// Up to `count` rows after `reference`, in order.
    func nextRows(from reference: RowReference, count: Int, width: Int) -> [RowReference] {
        var found: [RowReference] = []
        var current = reference
        while found.count < count {
            if current.row + 1 < current.line.rows.count {
                current.row += 1
            } else {
                guard current.line.end < codes.count else { break }
                current = RowReference(line: wrappedLine(from: current.line.end + 1, width: width), row: 0)
            }
            found.append(current)
        }
        return found
    }

    /// The glyphs of the rows, wrapped from the row start at or before each run of rows.
    func materialize(_ references: [RowReference], width: Int) -> [TextLine] {
        var lines: [TextLine] = []
        var index = 0
        while index < references.count {
            let line = references[index].line
            let first = references[index].row
            var last = first
            while index + 1 < references.count, references[index + 1].line.start == line.start {
                index += 1
                last = references[index].row
            }
            index += 1
            var from = first
            while from > 0, !line.rows[from].atGrapheme { from -= 1 }
            var to = last + 1
            while to < line.rows.count, !line.rows[to].atGrapheme { to += 1 }
            let end = to < line.rows.count ? line.rows[to].offset : line.end
            let start = line.rows[from].offset
            let wrapped = TextLayout.wrapCharacters(characters[start..<end], startOffset: start, width: width)
            // The row starts agree with the wrap (tests compare them); never trap if they did not.
            let upper = min(last - from, wrapped.count - 1)
            if first - from <= upper { lines += wrapped[(first - from)...upper] }
        }
        return lines
    }
}
