import CNcurses
import Foundation

/// The real terminal, through ncursesw. The only file that talks to curses: it writes the
/// changed runs it is given with `wnoutrefresh` and one `doupdate`, places the cursor on the
/// caret (input methods open their window there), and turns curses key codes into `RawInput`.
@MainActor
public final class NcursesBackend: TerminalBackend {
    public private(set) var size: Size
    public let colorCount: Int
    private var pairs: [PairKey: Int32] = [:]
    private var isOpen = true

    private struct PairKey: Hashable {
        var foreground: TerminalColor
        var background: TerminalColor
    }

    /// Takes over the terminal. Throws when it cannot be set up (unknown TERM, no tty).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) {
        // Stale LINES/COLUMNS from the parent shell would pin the size and break resizing.
        unsetenv("LINES")
        unsetenv("COLUMNS")
        setlocale(LC_ALL, "")
        // Text is measured with a UTF-8 locale's widths (`ScalarWidth`); ncurses draws with the
        // process locale's, so a user locale that is not UTF-8 (LANG=C) is replaced for LC_CTYPE.
        if String(cString: nl_langinfo(nl_item(CODESET))) != "UTF-8" {
            setlocale(LC_CTYPE, "C.UTF-8")
        }
        set_escdelay(25)
        // The screen lives until the process ends: deleting it would leave the exit and signal
        // handlers, which restore the terminal through it, with a dangling pointer.
        guard glmchat_newterm() != nil else {
            throw ConfigError(path: "TERM=\(environment["TERM"] ?? "")", "ncurses cannot use this terminal")
        }
        glmchat_install_restore_handlers()
        raw()
        noecho()
        nonl()
        let window = glmchat_stdscr()
        keypad(window, true)
        meta(window, true)
        scrollok(window, false)
        idlok(window, false)
        var colors = 0
        if has_colors() {
            start_color()
            use_default_colors()
            colors = Int(glmchat_colors()) >= 256 ? 256 : (Int(glmchat_colors()) >= 16 ? 16 : 8)
        }
        colorCount = ThemeLoader.colorCount(terminalColors: colors, environment: environment)
        mouseinterval(0)
        mousemask(Self.mouseEvents, nil)
        glmchat_bracketed_paste(1)
        size = Size(rows: Int(glmchat_rows()), columns: Int(glmchat_columns()))
    }

    /// Gives the terminal back as it was. Also done on exit and on fatal signals.
    public func close() {
        guard isOpen else { return }
        isOpen = false
        glmchat_bracketed_paste(0)
        glmchat_restore_terminal()
    }

    public func present(_ runs: [CellRun], cursor: Position?) {
        let window = glmchat_stdscr()
        for run in runs {
            for (offset, cell) in run.cells.enumerated() where !cell.isContinuation {
                var text = cell.text.unicodeScalars.map { wchar_t(bitPattern: $0.value) }
                if text.isEmpty { text = [wchar_t(32)] }
                text.append(0)
                _ = glmchat_put_cell(window, Int32(run.row), Int32(run.column + offset), text,
                                     attributes(cell.style.attributes), pair(for: cell.style))
            }
        }
        if let cursor, cursor.row < size.rows, cursor.column < size.columns {
            curs_set(1)
            wmove(window, Int32(cursor.row), Int32(cursor.column))
        } else {
            curs_set(0)
        }
        wnoutrefresh(window)
        doupdate()
    }

    public func suspend() {
        glmchat_suspend()
    }

    /// The wheel and left-button presses (clicks open sessions and place the transcript's cursor).
    private static var mouseEvents: mmask_t {
        glmchat_button1_pressed() | glmchat_button4_pressed() | glmchat_button5_pressed()
    }
    private var mouseOn = true

    public func setMouseCapture(_ on: Bool) {
        mouseOn = on
        mousemask(on ? Self.mouseEvents : 0, nil)
    }

    public func copyToClipboard(_ text: String) {
        let sequence = Clipboard.osc52(text)
        sequence.withCString { glmchat_write_raw($0, strlen($0)) }
        Clipboard.copyWithLocalTool(text)
    }

    public func runOutside(_ body: () -> Void) {
        glmchat_leave_screen()
        body()
        glmchat_return_screen()
        // the editor may have left the mouse modes off: ask for them again
        mousemask(0, nil)
        if mouseOn { mousemask(Self.mouseEvents, nil) }
    }

    public func invalidate() {
        clearok(glmchat_curscr(), true)
    }

    public func readInput(timeoutMilliseconds: Int) -> [RawInput] {
        if paste.inPaste { return readPasteBytes(timeoutMilliseconds: timeoutMilliseconds) }
        let window = glmchat_stdscr()
        var batch: [RawInput] = []
        wtimeout(window, Int32(timeoutMilliseconds))
        while batch.count < 8192 {
            var character: wint_t = 0
            let result = wget_wch(window, &character)
            if result == ERR { break }
            if result == KEY_CODE_YES {
                paste.noteKey()
                if let input = keyInput(Int32(character)) { batch.append(input) }
            } else if let scalar = Unicode.Scalar(UInt32(character)) {
                batch.append(.scalar(scalar))
                paste.noteDelivered(scalar)
                if paste.inPaste { break }      // the paste's bytes are read in blocks (`PasteBytes`)
            }
            wtimeout(window, 0)     // drain what has already arrived, without waiting again
        }
        return batch
    }

    private var paste = PasteBytes()
    /// At most this many characters of a paste per read, so the loop draws and stays responsive.
    private static let pasteReadLimit = 1 << 18

    /// Reads a paste's bytes from the terminal a block at a time, up to its end marker, or until
    /// nothing more has arrived (the next read goes on). A failed read hands input back to ncurses.
    private func readPasteBytes(timeoutMilliseconds: Int) -> [RawInput] {
        var batch: [RawInput] = []
        var block = [UInt8](repeating: 0, count: 1 << 16)
        var wait = Int32(timeoutMilliseconds)
        while paste.inPaste, batch.count < Self.pasteReadLimit {
            guard let count = readTerminal(into: &block, upTo: block.count, waiting: wait) else { break }
            guard count > 0 else {
                batch += paste.abandon()
                break
            }
            batch += paste.decode(block.prefix(count))
            wait = 0
        }
        // a character cut just after the end marker: its last bytes follow at once, or never
        while !paste.inPaste, paste.isWaitingForBytes {
            let wanted = paste.bytesWanted
            guard wanted > 0, let count = readTerminal(into: &block, upTo: wanted, waiting: 50), count > 0 else {
                batch += paste.abandon()
                break
            }
            batch += paste.decode(block.prefix(count))
        }
        return batch
    }

    /// Up to `limit` bytes from the terminal once it has some (waiting at most `waiting` ms): nil
    /// when none came in time, 0 when the terminal is gone or the read failed.
    private func readTerminal(into block: inout [UInt8], upTo limit: Int, waiting: Int32) -> Int? {
        var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, waiting)
        if ready < 0, errno == EINTR { return nil }
        guard ready > 0 else { return ready == 0 ? nil : 0 }
        while true {
            let count = block.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, min(limit, $0.count)) }
            if count < 0, errno == EINTR { continue }
            if count < 0, errno == EAGAIN { return nil }
            return max(0, count)
        }
    }

    private func keyInput(_ code: Int32) -> RawInput? {
        switch code {
        case KEY_UP: return .key(.up)
        case KEY_DOWN: return .key(.down)
        case KEY_LEFT: return .key(.left)
        case KEY_RIGHT: return .key(.right)
        case KEY_HOME: return .key(.home)
        case KEY_END: return .key(.end)
        case KEY_PPAGE: return .key(.pageUp)
        case KEY_NPAGE: return .key(.pageDown)
        case KEY_IC: return .key(.insert)
        case KEY_DC: return .key(.delete)
        case KEY_BACKSPACE: return .key(.backspace)
        case KEY_ENTER: return .key(.enter)
        case KEY_BTAB: return .key(.backTab)
        case KEY_RESIZE:
            size = Size(rows: Int(glmchat_rows()), columns: Int(glmchat_columns()))
            return .resize(size)
        case KEY_MOUSE:
            var event = MEVENT()
            guard getmouse(&event) == OK else { return nil }
            if event.bstate & glmchat_button4_pressed() != 0 { return .wheel(up: true) }
            if event.bstate & glmchat_button5_pressed() != 0 { return .wheel(up: false) }
            if event.bstate & glmchat_button1_pressed() != 0 {
                return .click(Position(row: Int(event.y), column: Int(event.x)))
            }
            return nil
        default:
            for number in 1...12 where code == glmchat_key_f(Int32(number)) {
                return .key(.function(number))
            }
            // Modified arrows have codes ncurses assigns at run time; their names are fixed.
            guard let name = keyname(code).map({ String(cString: $0) }) else { return nil }
            switch name {
            case "kLFT5", "kLFT3": return .key(.controlLeft)
            case "kRIT5", "kRIT3": return .key(.controlRight)
            default: return nil
            }
        }
    }

    private func attributes(_ attributes: TextAttributes) -> attr_t {
        var result = glmchat_a_normal()
        if attributes.contains(.bold) { result |= glmchat_a_bold() }
        if attributes.contains(.dim) { result |= glmchat_a_dim() }
        if attributes.contains(.italic) { result |= glmchat_a_italic() }
        if attributes.contains(.underline) { result |= glmchat_a_underline() }
        if attributes.contains(.reverse) { result |= glmchat_a_reverse() }
        return result
    }

    /// Colour pairs are made on first use; pair 0 is the terminal's default colours.
    private func pair(for style: Style) -> Int32 {
        guard colorCount > 0 else { return 0 }
        let key = PairKey(foreground: style.foreground, background: style.background)
        if key.foreground == .terminalDefault && key.background == .terminalDefault { return 0 }
        if let existing = pairs[key] { return existing }
        let number = Int32(pairs.count + 1)
        guard number < glmchat_color_pairs() else { return 0 }
        init_extended_pair(number, colorNumber(key.foreground), colorNumber(key.background))
        pairs[key] = number
        return number
    }

    private func colorNumber(_ color: TerminalColor) -> Int32 {
        switch color {
        case .terminalDefault: return -1
        case .indexed(let index): return Int32(index)
        }
    }
}
