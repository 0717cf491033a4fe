import Foundation

/// An in-memory terminal for tests: it applies what it is sent to its own grid, counts the cells
/// written, and serves queued input.
@MainActor
public final class MemoryBackend: TerminalBackend {
    public private(set) var size: Size
    public var colorCount: Int
    public private(set) var screen: CellGrid
    public private(set) var cursor: Position?
    public private(set) var cellsWritten = 0
    public private(set) var frames = 0
    public private(set) var invalidations = 0
    private var pending: [[RawInput]] = []

    public init(size: Size, colorCount: Int = 256) {
        self.size = size
        self.colorCount = colorCount
        self.screen = CellGrid(size: size)
    }

    public func present(_ runs: [CellRun], cursor: Position?) {
        for run in runs {
            for (index, cell) in run.cells.enumerated() where !cell.isContinuation {
                var glyph = Glyph(cell.text, width: 1)
                var next = index + 1
                while next < run.cells.count, run.cells[next].isContinuation {
                    glyph.width += 1
                    next += 1
                }
                screen.put(glyph, style: cell.style, row: run.row, column: run.column + index)
            }
            cellsWritten += run.cells.count
        }
        self.cursor = cursor
        frames += 1
    }

    public func invalidate() {
        invalidations += 1
    }

    public private(set) var suspensions = 0

    public func suspend() {
        suspensions += 1
    }

    /// What was put on the clipboard, in order.
    public private(set) var copied: [String] = []
    public private(set) var mouseCapture = true
    /// How many times the terminal was handed to something else (an editor).
    public private(set) var outsideRuns = 0

    public func copyToClipboard(_ text: String) {
        copied.append(text)
    }

    public func setMouseCapture(_ on: Bool) {
        mouseCapture = on
    }

    public func runOutside(_ body: () -> Void) {
        outsideRuns += 1
        body()
    }

    /// When set, a read with nothing queued blocks the main thread for its timeout, as a real
    /// terminal's read does: main-actor work waits meanwhile (tests of what piles up behind it).
    public var readsBlock = false

    public func readInput(timeoutMilliseconds: Int) -> [RawInput] {
        if pending.isEmpty, readsBlock, timeoutMilliseconds > 0 {
            usleep(useconds_t(timeoutMilliseconds) * 1000)
        }
        return pending.isEmpty ? [] : pending.removeFirst()
    }

    /// Queues one batch of input, as if it had arrived in one read.
    public func enqueue(_ batch: [RawInput]) {
        pending.append(batch)
    }

    public func enqueue(text: String) {
        pending.append(text.unicodeScalars.map { RawInput.scalar($0) })
    }

    public func resize(to newSize: Size) {
        size = newSize
        screen = CellGrid(size: newSize)
        pending.append([.resize(newSize)])
    }

    public var snapshot: [String] { screen.snapshot }
}
