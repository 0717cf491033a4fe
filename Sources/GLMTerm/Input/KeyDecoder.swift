/// Turns raw terminal input into keys. It understands what ncurses leaves undecoded: Alt+key
/// (ESC prefix), CSI sequences such as bracketed paste (`ESC [200~ … ESC [201~`) and a lone Esc,
/// which is only known to be alone when no more input follows (`flush`).
public struct KeyDecoder: Sendable {
    private enum State: Sendable {
        case ground
        case escape
        case csi(String)
        case ss3
        /// The paste so far. Appending must not copy it: see `scalarInput`.
        case paste([Unicode.Scalar])
    }

    private var state: State = .ground
    private var keys: [Key] = []
    private var typed = String.UnicodeScalarView()

    public init() {}

    public var isPasting: Bool {
        if case .paste = state { return true }
        return false
    }

    /// Decodes one batch (everything that arrived in one read). A carriage return followed by
    /// more text in the same batch is a pasted line break, not Enter: terminals without bracketed
    /// paste deliver a paste this way, and sending it line by line is what users hate most.
    public mutating func feed(_ batch: [RawInput]) -> [Key] {
        var index = 0
        while index < batch.count {
            if let end = pasteRun(batch, from: index) {
                index = end
                continue
            }
            let input = batch[index]
            defer { index += 1 }
            switch input {
            case .scalar(let scalar):
                let moreTextFollows = batch[(index + 1)...].contains {
                    if case .scalar(let next) = $0 { return next.value >= 0x20 && next.value != 0x7F }
                    return false
                }
                scalarInput(scalar, moreTextFollows: moreTextFollows)
            case .key(let key):
                functionKey(key)
            case .wheel(let up):
                emit(up ? .wheelUp : .wheelDown)
            case .click(let position):
                emit(.click(position))
            case .resize(let size):
                emit(.resize(size))
            }
        }
        flushTyped()
        defer { keys.removeAll() }
        return keys
    }

    /// Inside a paste, the scalars up to the next ESC (which may begin the end marker) are added to
    /// the paste at once, not one by one. Returns where the run ended, or nil when there is none
    /// (not pasting, an ESC next, or an end marker begun in the paste's last scalars).
    private mutating func pasteRun(_ batch: [RawInput], from start: Int) -> Int? {
        guard case .paste(var buffer) = state, !buffer.suffix(Self.pasteEnd.count - 1).contains(Self.escape) else { return nil }
        var end = start
        while end < batch.count, case .scalar(let scalar) = batch[end], scalar != Self.escape { end += 1 }
        guard end > start else { return nil }
        state = .ground   // so that `buffer` is the only reference and grows in place
        buffer.reserveCapacity(buffer.count + end - start)
        for input in batch[start..<end] {
            if case .scalar(let scalar) = input { buffer.append(scalar) }
        }
        state = .paste(buffer)
        return end
    }

    /// Called when a read found nothing: a pending ESC was a real Esc key.
    public mutating func flush() -> [Key] {
        if case .escape = state {
            state = .ground
            return [.escape]
        }
        return []
    }

    private mutating func scalarInput(_ scalar: Unicode.Scalar, moreTextFollows: Bool) {
        switch state {
        case .paste(var buffer):
            // Take the buffer out of the state first, so that it is the only reference and the
            // append does not copy it: a copy per character made a 200,000-character paste take a minute.
            state = .ground
            buffer.append(scalar)
            if buffer.count >= 6, buffer[(buffer.count - 6)...].elementsEqual(Self.pasteEnd) {
                emit(.paste(Self.normalizedLineBreaks(buffer.dropLast(Self.pasteEnd.count))))
            } else {
                state = .paste(buffer)
            }
        case .escape:
            state = .ground
            switch scalar.value {
            case 0x5B: state = .csi("")
            case 0x4F: state = .ss3
            case 0x0D, 0x0A: emit(.newline)
            case 0x1B: emit(.escape); state = .escape
            case 0x7F, 0x08: emit(.alt("\u{7F}"))
            case 0x20..<0x7F: emit(.alt(Character(scalar)))
            default: emit(.escape); scalarInput(scalar, moreTextFollows: moreTextFollows)
            }
        case .csi(let parameters):
            if (0x40...0x7E).contains(scalar.value) {
                state = .ground
                csi(parameters, final: Character(scalar))
            } else if parameters.count > 32 {
                state = .ground     // not a sequence we know; drop it rather than wait forever
            } else {
                state = .csi(parameters + String(Character(scalar)))
            }
        case .ss3:
            state = .ground
            switch scalar {
            case "A": emit(.up)
            case "B": emit(.down)
            case "C": emit(.right)
            case "D": emit(.left)
            case "H": emit(.home)
            case "F": emit(.end)
            case "M": emit(.enter)
            case "P", "Q", "R", "S": emit(.function(Int(scalar.value) - 0x50 + 1))
            default: break
            }
        case .ground:
            ground(scalar, moreTextFollows: moreTextFollows)
        }
    }

    private mutating func ground(_ scalar: Unicode.Scalar, moreTextFollows: Bool) {
        switch scalar.value {
        case 0x1B: flushTyped(); state = .escape
        case 0x0D: if moreTextFollows { typed.append("\n") } else { emit(.enter) }
        case 0x0A: if moreTextFollows { typed.append("\n") } else { emit(.newline) }
        case 0x09: emit(.tab)
        case 0x7F, 0x08: emit(.backspace)
        case 0x01...0x1A: emit(.control(Character(Unicode.Scalar(scalar.value + 0x60) ?? "?")))
        case 0x00, 0x1C...0x1F, 0x80...0x9F: break
        default: typed.append(scalar)
        }
    }

    private mutating func csi(_ parameters: String, final: Character) {
        switch (parameters, final) {
        case ("200", "~"): state = .paste([])
        case ("201", "~"): break
        case (_, "A"): emit(.up)
        case (_, "B"): emit(.down)
        case ("1;5", "C"), ("1;3", "C"): emit(.wordRight)
        case ("1;5", "D"), ("1;3", "D"): emit(.wordLeft)
        case (_, "C"): emit(.right)
        case (_, "D"): emit(.left)
        case (_, "H"), ("1", "~"), ("7", "~"): emit(.home)
        case (_, "F"), ("4", "~"), ("8", "~"): emit(.end)
        case ("2", "~"): emit(.insert)
        case ("3", "~"): emit(.delete)
        case ("5", "~"): emit(.pageUp)
        case ("6", "~"): emit(.pageDown)
        case (_, "Z"): emit(.backTab)
        case ("13;2", "u"), ("13;3", "u"), ("27;2;13", "~"): emit(.newline)   // kitty / xterm modifyOtherKeys
        case (let p, "M") where p.hasPrefix("<64;"): emit(.wheelUp)
        case (let p, "M") where p.hasPrefix("<65;"): emit(.wheelDown)
        case (let p, "M") where p.hasPrefix("<0;"):
            // SGR mouse report of a left press: "<0;COLUMN;ROW", both from 1
            let numbers = p.dropFirst(3).split(separator: ";").compactMap { Int($0) }
            if numbers.count == 2, numbers[0] >= 1, numbers[1] >= 1 {
                emit(.click(Position(row: numbers[1] - 1, column: numbers[0] - 1)))
            }
        case (let p, "m") where p.hasPrefix("<"): break     // a button released
        default:
            if final == "~", let number = Int(parameters), let function = Self.functionNumber[number] {
                emit(.function(function))
            }
        }
    }

    private static let functionNumber: [Int: Int] = [
        11: 1, 12: 2, 13: 3, 14: 4, 15: 5, 17: 6, 18: 7, 19: 8, 20: 9, 21: 10, 23: 11, 24: 12,
    ]

    private mutating func functionKey(_ key: FunctionKey) {
        if case .paste(var buffer) = state {
            state = .ground
            if key == .enter { buffer.append("\n") }
            state = .paste(buffer)
            return
        }
        if case .escape = state {
            state = .ground
            if key == .enter { emit(.newline); return }
            emit(.escape)
        }
        switch key {
        case .up: emit(.up)
        case .down: emit(.down)
        case .left: emit(.left)
        case .right: emit(.right)
        case .home: emit(.home)
        case .end: emit(.end)
        case .pageUp: emit(.pageUp)
        case .pageDown: emit(.pageDown)
        case .insert: emit(.insert)
        case .delete: emit(.delete)
        case .backspace: emit(.backspace)
        case .enter: emit(.enter)
        case .backTab: emit(.backTab)
        case .controlLeft: emit(.wordLeft)
        case .controlRight: emit(.wordRight)
        case .function(let number): emit(.function(number))
        }
    }

    private mutating func emit(_ key: Key) {
        flushTyped()
        keys.append(key)
    }

    private mutating func flushTyped() {
        guard !typed.isEmpty else { return }
        keys.append(.text(String(typed)))
        typed.removeAll()
    }

    private static let pasteEnd = Array("\u{1B}[201~".unicodeScalars)
    private static let escape: Unicode.Scalar = "\u{1B}"

    /// The pasted scalars as text, with "\r\n" and a lone "\r" made "\n", working on scalars: a
    /// carriage return is always a grapheme of its own or one with "\n".
    static func normalizedLineBreaks(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var text = String.UnicodeScalarView()
        var afterCarriageReturn = false
        for scalar in scalars {
            if scalar == "\n", afterCarriageReturn {
                afterCarriageReturn = false
                continue
            }
            afterCarriageReturn = scalar == "\r"
            text.append(afterCarriageReturn ? "\n" : scalar)
        }
        return String(text)
    }
}
