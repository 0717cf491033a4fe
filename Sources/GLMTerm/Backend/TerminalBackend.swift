/// What the terminal hands us, before key decoding. Backends map their own key codes to these.
public enum RawInput: Equatable, Sendable {
    case scalar(Unicode.Scalar)
    case key(FunctionKey)
    case wheel(up: Bool)
    /// The left mouse button pressed at this cell.
    case click(Position)
    case resize(Size)
}

public enum FunctionKey: Equatable, Hashable, Sendable {
    case up, down, left, right, home, end, pageUp, pageDown
    case insert, delete, backspace, enter, backTab
    case controlLeft, controlRight
    case function(Int)
}

/// A terminal as the UI core sees it: a size, a colour count, a place to put changed cells and
/// the cursor, and a source of input. The ncurses backend is the only one that talks to a real
/// terminal; `MemoryBackend` records everything for tests.
@MainActor
public protocol TerminalBackend: AnyObject {
    var size: Size { get }
    /// 0 when colours must not be used (NO_COLOR or a monochrome terminal), else 8, 16 or 256.
    var colorCount: Int { get }
    /// Writes the changed runs, puts the cursor at `cursor` (hidden when nil), and shows the
    /// result in one update.
    func present(_ runs: [CellRun], cursor: Position?)
    /// Forgets what is on the screen so that the next frame is drawn in full (Ctrl+L, resize).
    func invalidate()
    /// Ctrl+Z: gives the terminal back and stops the process until it is continued (`fg`).
    func suspend()
    /// Waits up to `timeoutMilliseconds` for input and returns everything available then.
    func readInput(timeoutMilliseconds: Int) -> [RawInput]
    /// Puts `text` on the clipboard: OSC 52 (works over SSH and inside tmux), and a local tool
    /// (wl-copy, xclip, xsel, pbcopy) where there is one.
    func copyToClipboard(_ text: String)
    /// Mouse reporting on (wheel and clicks reach the app; Shift+drag selects) or off (the
    /// terminal selects text as usual).
    func setMouseCapture(_ on: Bool)
    /// Gives the terminal to `body` (an editor) and takes it back afterwards, redrawn in full.
    func runOutside(_ body: () -> Void)
}

/// Keeps the last frame and sends a backend only what changed.
@MainActor
public final class Renderer {
    public let backend: any TerminalBackend
    private var shown: CellGrid?

    public init(backend: any TerminalBackend) {
        self.backend = backend
    }

    public func present(_ frame: CellGrid, cursor: Position?) {
        let runs = frame.changes(from: shown)
        backend.present(runs, cursor: cursor)
        shown = frame
    }

    public func invalidate() {
        shown = nil
        backend.invalidate()
    }
}
