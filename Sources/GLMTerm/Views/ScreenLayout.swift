/// Where each part of the screen goes. The sidebar is hidden below `sidebarMinimumColumns`.
public struct ScreenLayout: Equatable, Sendable {
    public static let sidebarMinimumColumns = 80
    public static let sidebarWidth = 24

    public var sidebar: Rect?
    public var transcript: Rect
    /// A notice too long for the input box's border, wrapped, just above the input (often empty).
    public var notice: Rect
    /// The input box including its top border row.
    public var input: Rect
    public var status: Rect

    /// `inputLines` is how many rows the text being typed needs; the box grows up to a third of
    /// the screen (at least one row, at most 10). `noticeLines` rows above it hold a long notice
    /// (at most `noticeLimit`).
    public init(size: Size, sidebarWanted: Bool, inputLines: Int, noticeLines: Int = 0) {
        let rows = max(size.rows, 1)
        let columns = max(size.columns, 1)
        status = Rect(row: rows - 1, column: 0, rows: 1, columns: columns)
        let showSidebar = sidebarWanted && columns >= Self.sidebarMinimumColumns && rows >= 4
        sidebar = showSidebar ? Rect(row: 0, column: 0, rows: rows - 1, columns: Self.sidebarWidth) : nil
        let left = showSidebar ? Self.sidebarWidth : 0
        let limit = max(1, min(Self.inputRowLimit, (rows - 1) / 3))
        let textRows = max(1, min(inputLines, limit))
        let inputRows = min(textRows + 1, max(0, rows - 1))
        input = Rect(row: rows - 1 - inputRows, column: left, rows: inputRows, columns: columns - left)
        let noticeRows = max(0, min(noticeLines, Self.noticeLimit(rows: rows), input.row))
        notice = Rect(row: input.row - noticeRows, column: left, rows: noticeRows, columns: columns - left)
        transcript = Rect(row: 0, column: left, rows: max(0, notice.row), columns: columns - left)
    }

    /// The most rows of text the input box grows to.
    public static let inputRowLimit = 10

    /// Rows of text the input box shows.
    public var inputTextRows: Int { max(0, input.rows - 1) }

    /// The most rows a notice may take above the input; a longer one opens in a dialog.
    public static func noticeLimit(rows: Int) -> Int { max(2, (rows - 1) / 3) }
}
