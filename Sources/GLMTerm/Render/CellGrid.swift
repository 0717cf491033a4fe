/// One screen cell. A wide glyph occupies its cell and marks the next one as its continuation,
/// so a row always holds exactly `columns` cells and every border stays where it was put.
public struct Cell: Equatable, Sendable {
    public var text: String
    public var style: Style
    /// True for the right half of a wide glyph: nothing is drawn there.
    public var isContinuation: Bool

    public init(_ text: String = " ", style: Style = .plain, isContinuation: Bool = false) {
        self.text = text
        self.style = style
        self.isContinuation = isContinuation
    }

    public static let blank = Cell()
}

public struct Position: Equatable, Hashable, Sendable {
    public var row: Int
    public var column: Int
    public init(row: Int, column: Int) {
        self.row = row
        self.column = column
    }
}

public struct Size: Equatable, Sendable {
    public var rows: Int
    public var columns: Int
    public init(rows: Int, columns: Int) {
        self.rows = rows
        self.columns = columns
    }
}

public struct Rect: Equatable, Sendable {
    public var row: Int
    public var column: Int
    public var rows: Int
    public var columns: Int

    public init(row: Int, column: Int, rows: Int, columns: Int) {
        self.row = row
        self.column = column
        self.rows = max(0, rows)
        self.columns = max(0, columns)
    }

    public var bottom: Int { row + rows }
    public var right: Int { column + columns }
}

/// The frame the UI draws into. It never talks to a terminal: a backend receives the changed runs.
public struct CellGrid: Equatable, Sendable {
    public private(set) var size: Size
    private(set) var cells: [Cell]

    public init(size: Size) {
        self.size = Size(rows: max(0, size.rows), columns: max(0, size.columns))
        self.cells = Array(repeating: .blank, count: self.size.rows * self.size.columns)
    }

    public subscript(row: Int, column: Int) -> Cell {
        cells[row * size.columns + column]
    }

    public func contains(row: Int, column: Int) -> Bool {
        row >= 0 && row < size.rows && column >= 0 && column < size.columns
    }

    /// Writes a glyph; returns the column after it. A wide glyph that would cross the right edge
    /// (of the grid or of `limit`) is not drawn: the remaining cell becomes a blank.
    @discardableResult
    public mutating func put(_ glyph: Glyph, style: Style, row: Int, column: Int, limit: Int? = nil) -> Int {
        let right = min(limit ?? size.columns, size.columns)
        guard row >= 0, row < size.rows, column >= 0, column < right, glyph.width > 0 else { return column }
        if column + glyph.width > right {
            set(Cell(" ", style: style), row: row, column: column)
            return right
        }
        set(Cell(glyph.text, style: style), row: row, column: column)
        for extra in 1..<glyph.width {
            set(Cell("", style: style, isContinuation: true), row: row, column: column + extra)
        }
        return column + glyph.width
    }

    /// Writes plain text (no line breaks) clipped at `limit`; returns the column after it.
    @discardableResult
    public mutating func write(_ text: String, style: Style, row: Int, column: Int, limit: Int? = nil) -> Int {
        var col = column
        for character in text {
            if character == "\t" {
                for _ in 0..<Glyphs.tabCells(atColumn: col - column) {
                    col = put(Glyph(" ", width: 1), style: style, row: row, column: col, limit: limit)
                }
                continue
            }
            for glyph in Glyphs.glyphs(for: character) {
                col = put(glyph, style: style, row: row, column: col, limit: limit)
            }
        }
        return col
    }

    public mutating func fill(_ rect: Rect, style: Style) {
        for row in rect.row..<rect.bottom {
            for column in rect.column..<rect.right where contains(row: row, column: column) {
                set(Cell(" ", style: style), row: row, column: column)
            }
        }
    }

    /// Keeps wide glyphs whole: overwriting either half of one blanks the other half.
    private mutating func set(_ cell: Cell, row: Int, column: Int) {
        let index = row * size.columns + column
        if cells[index].isContinuation, column > 0, !cell.isContinuation {
            cells[index - 1] = Cell(" ", style: cells[index - 1].style)
        }
        if !cell.isContinuation, column + 1 < size.columns, cells[index + 1].isContinuation {
            cells[index + 1] = Cell(" ", style: cells[index + 1].style)
        }
        cells[index] = cell
    }

    /// The text of one row as a person sees it (continuations skipped), for tests and plain dumps.
    public func text(ofRow row: Int) -> String {
        var line = ""
        for column in 0..<size.columns {
            let cell = self[row, column]
            if !cell.isContinuation { line += cell.text }
        }
        return line
    }

    /// All rows, trailing spaces trimmed: a screen snapshot.
    public var snapshot: [String] {
        (0..<size.rows).map { row in
            var line = text(ofRow: row)
            while line.last == " " { line.removeLast() }
            return line
        }
    }
}

/// A horizontal run of changed cells, the unit a backend writes.
public struct CellRun: Equatable, Sendable {
    public var row: Int
    public var column: Int
    public var cells: [Cell]
}

extension CellGrid {
    /// The runs that differ from `previous` (all of them when the sizes differ). A run never starts
    /// on a continuation cell, so a wide glyph is always redrawn from its left half.
    public func changes(from previous: CellGrid?) -> [CellRun] {
        var runs: [CellRun] = []
        let full = previous?.size != size
        for row in 0..<size.rows {
            var column = 0
            while column < size.columns {
                guard full || self[row, column] != previous?[row, column] else { column += 1; continue }
                var start = column
                while start > 0, self[row, start].isContinuation { start -= 1 }
                var end = column
                while end < size.columns, full || self[row, end] != previous?[row, end]
                        || (end < size.columns && self[row, end].isContinuation) {
                    end += 1
                }
                if let last = runs.last, last.row == row, last.column + last.cells.count > start {
                    start = last.column + last.cells.count
                }
                if end > start {
                    runs.append(CellRun(row: row, column: start, cells: (start..<end).map { self[row, $0] }))
                }
                column = max(end, column + 1)
            }
        }
        return runs
    }
}
