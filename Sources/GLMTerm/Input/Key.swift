/// A key press or input event, after decoding escape sequences and bracketed paste.
public enum Key: Equatable, Sendable {
    /// Printable text typed (several characters when they arrived together, e.g. from an IME).
    case text(String)
    /// A bracketed paste: inserted as text, never sent.
    case paste(String)
    case enter
    /// Ctrl+J or Alt+Enter: a line break in the input.
    case newline
    case escape
    /// Ctrl plus a letter, as the lowercase letter ("c" for Ctrl+C).
    case control(Character)
    case alt(Character)
    case tab, backTab, backspace, delete, insert
    case up, down, left, right, home, end, pageUp, pageDown, wordLeft, wordRight
    case function(Int)
    case wheelUp, wheelDown
    /// The left mouse button at this cell.
    case click(Position)
    case resize(Size)
}
