import GLMEngine
import GLMStore
/// The scrollable transcript. It follows the bottom while an answer streams; scrolled up, it stays
/// where it is and counts the new lines below. Across a resize it keeps the top line's place.
@MainActor
final class TranscriptView {
    /// Rows between the bottom of the view and the last row; 0 follows the bottom.
    private(set) var offsetFromBottom = 0
    private(set) var unseenLines = 0
    private var lastWidth = 0
    private var lastTotal = 0
    private var lastStarts: [Int] = []
    private var lastViewRows = 0
    /// A message to bring to the top of the view at the next draw (a search hit being opened).
    private var pendingReveal: Int?
    /// What the cursor can rest on, as laid out in the last frame.
    private(set) var blocks: [TranscriptBlock] = []
    /// The block the cursor is on while the transcript has the focus (an index into `blocks`).
    private(set) var selectedBlock: Int?
    /// Scroll the selected block into view at the next draw.
    private var revealSelection = false
    /// Where the last frame was drawn, and its first row (for the mouse).
    private var lastRect = Rect(row: 0, column: 0, rows: 0, columns: 0)
    private var lastTop = 0
    let layout: TranscriptLayout

    init(theme: Theme) {
        layout = TranscriptLayout(theme: theme)
    }

    var isFollowing: Bool { offsetFromBottom == 0 }

    func scroll(by rows: Int) {
        offsetFromBottom = max(0, min(offsetFromBottom + rows, max(0, lastTotal - lastViewRows)))
        if offsetFromBottom == 0 { unseenLines = 0 }
    }

    func page(up: Bool) {
        scroll(by: (up ? 1 : -1) * max(1, lastViewRows - 2))
    }

    func scrollToTop() {
        offsetFromBottom = max(0, lastTotal - lastViewRows)
    }

    func scrollToBottom() {
        offsetFromBottom = 0
        unseenLines = 0
        pendingReveal = nil
    }

    // MARK: The cursor

    /// Puts the cursor on block `index` (clamped), or takes it away (nil), and scrolls it into view.
    func select(block index: Int?) {
        guard let index, !blocks.isEmpty else {
            selectedBlock = nil
            return
        }
        selectedBlock = max(0, min(index, blocks.count - 1))
        revealSelection = true
    }

    /// Moves the cursor `delta` blocks; from nowhere, it starts at the last block.
    func moveSelection(by delta: Int) {
        select(block: selectedBlock.map { $0 + delta } ?? blocks.count - 1)
    }

    /// Scrolls by `rows` and puts the cursor on the block in the middle of the view (vi's Ctrl+D, Ctrl+U).
    func scrollSelection(by rows: Int) {
        scroll(by: rows)
        let top = max(0, lastTotal - lastViewRows - offsetFromBottom)
        let middle = top + lastViewRows / 2
        let index = blocks.lastIndex { !$0.isCode && $0.rows.lowerBound <= middle } ?? 0
        selectedBlock = blocks.isEmpty ? nil : index
    }

    /// The block drawn at `screenRow` (a click), preferring a code block over its message.
    func block(atScreenRow screenRow: Int) -> Int? {
        guard (lastRect.row..<lastRect.bottom).contains(screenRow) else { return nil }
        let row = lastTop + screenRow - lastRect.row
        return blocks.lastIndex { $0.rows.contains(row) }
    }

    var selected: TranscriptBlock? { selectedBlock.map { blocks[$0] } }

    /// Scrolls so that message `index` starts near the top (or, near the end, so that it is in view).
    func reveal(message index: Int) {
        pendingReveal = index
    }

    func draw(messages: [Message], into grid: inout CellGrid, rect: Rect, theme: Theme, emptyHint: String) {
        guard rect.rows > 0, rect.columns > 2 else { return }
        grid.fill(rect, style: .plain)
        let width = rect.columns - 1
        let (rows, starts, laidOutBlocks) = layout.rows(for: messages, width: width)
        blocks = laidOutBlocks
        if let selected = selectedBlock { selectedBlock = blocks.isEmpty ? nil : min(selected, blocks.count - 1) }
        if let index = pendingReveal, starts.indices.contains(index) {
            pendingReveal = nil
            let top = max(0, starts[index] - 1)   // one row of what comes before, for context
            offsetFromBottom = max(0, rows.count - rect.rows - top)
            unseenLines = 0
        }
        adjustScroll(total: rows.count, starts: starts, width: width, viewRows: rect.rows)
        if revealSelection, let selected = selectedBlock {
            revealSelection = false
            let block = blocks[selected].rows
            var top = max(0, rows.count - rect.rows - offsetFromBottom)
            if block.lowerBound < top || block.count > rect.rows { top = block.lowerBound }
            else if block.upperBound > top + rect.rows { top = block.upperBound - rect.rows }
            offsetFromBottom = max(0, rows.count - rect.rows - top)
            if offsetFromBottom == 0 { unseenLines = 0 }
        }
        lastRect = rect
        if messages.isEmpty {
            for (index, line) in TextLayout.wrap(emptyHint, width: width, style: theme[.dim]).prefix(rect.rows).enumerated() {
                grid.draw(line, row: rect.row + index, column: rect.column + 1, limit: rect.right)
            }
            return
        }
        let top = max(0, rows.count - rect.rows - offsetFromBottom)
        lastTop = top
        let cursorRows = selectedBlock.map { blocks[$0].rows } ?? 0..<0
        for (index, row) in rows.dropFirst(top).prefix(rect.rows).enumerated() {
            let screenRow = rect.row + index
            if let fill = row.fill {
                grid.fill(Rect(row: screenRow, column: rect.column + 1 + row.indent, rows: 1,
                               columns: rect.columns - 1 - row.indent), style: fill)
            }
            grid.draw(row.line, row: screenRow, column: rect.column + 1 + row.indent, limit: rect.right)
            if cursorRows.contains(top + index) {
                grid.put(Glyph("▌", width: 1), style: theme[.user], row: screenRow, column: rect.column)
            }
        }
        if offsetFromBottom > 0 && unseenLines > 0 {
            let label = " ↓ \(unseenLines) new line\(unseenLines == 1 ? "" : "s") (End) "
            let labelWidth = Glyphs.width(of: label)
            grid.write(label, style: theme[.selection], row: rect.bottom - 1,
                       column: max(rect.column, rect.right - labelWidth - 1), limit: rect.right)
        }
    }

    private func adjustScroll(total: Int, starts: [Int], width: Int, viewRows: Int) {
        defer {
            lastTotal = total
            lastStarts = starts
            lastWidth = width
            lastViewRows = viewRows
        }
        guard offsetFromBottom > 0 else { return }
        if width != lastWidth || viewRows != lastViewRows, let anchor = anchor() {
            let newTop = starts.indices.contains(anchor.message)
                ? starts[anchor.message] + Int((Double(messageLength(anchor.message, starts: starts, total: total)) * anchor.fraction).rounded(.down))
                : 0
            offsetFromBottom = max(0, min(total - viewRows - newTop, total - viewRows))
            return
        }
        if total > lastTotal {
            offsetFromBottom += total - lastTotal
            unseenLines += total - lastTotal
        }
        offsetFromBottom = min(offsetFromBottom, max(0, total - viewRows))
    }

    /// The message at the top of the previous frame and how far into it the view began.
    private func anchor() -> (message: Int, fraction: Double)? {
        let top = max(0, lastTotal - lastViewRows - offsetFromBottom)
        guard let message = lastStarts.lastIndex(where: { $0 <= top }) else { return nil }
        let length = messageLength(message, starts: lastStarts, total: lastTotal)
        return (message, length == 0 ? 0 : Double(top - lastStarts[message]) / Double(length))
    }

    private func messageLength(_ message: Int, starts: [Int], total: Int) -> Int {
        let end = message + 1 < starts.count ? starts[message + 1] : total
        return end - starts[message]
    }
}
