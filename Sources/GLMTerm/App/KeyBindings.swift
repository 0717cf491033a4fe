/// Every key the app answers to, in the order the help screen lists them. One table, so the help
/// screen cannot drift from what the keys do (the tests check that each listed command exists).
public enum KeyBindings {
    public struct Binding: Equatable, Sendable {
        public var keys: String
        public var action: String
    }

    public static let all: [Binding] = [
        Binding(keys: "Enter", action: "send the message (or run a /command)"),
        Binding(keys: "Ctrl+J, Alt+Enter", action: "new line in the message"),
        Binding(keys: "Esc", action: "stop the answer (keeps what was written); close a dialog"),
        Binding(keys: "Ctrl+C", action: "stop the answer; when idle clear the input, twice: quit"),
        Binding(keys: "Ctrl+D", action: "quit when the input is empty; else delete forward"),
        Binding(keys: "Up, Down", action: "history (empty input) or move between lines"),
        Binding(keys: "Left, Right, Ctrl+A, Ctrl+E", action: "move the caret; line start/end"),
        Binding(keys: "Ctrl+Left/Right, Alt+B/F", action: "move by word"),
        Binding(keys: "Ctrl+W, Ctrl+U, Ctrl+K", action: "delete word / to line start / to line end"),
        Binding(keys: "PgUp, PgDn, mouse wheel", action: "scroll the transcript"),
        Binding(keys: "Home, End", action: "transcript top/bottom (empty input); else line start/end"),
        Binding(keys: "Tab", action: "switch between the input and the session list"),
        Binding(keys: "Sessions: Up, Down, Enter", action: "choose and open a session (PgUp/PgDn, Home/End jump)"),
        Binding(keys: "Sessions: r, n", action: "rename, new session"),
        Binding(keys: "Sessions: d, /delete", action: "delete the session (asks first; undo for 5 seconds)"),
        Binding(keys: "Sessions: u, /undo", action: "bring back the session just deleted"),
        Binding(keys: "Sessions: a, /archive", action: "archive the session, or unarchive an archived one"),
        Binding(keys: "Sessions: A, /archived", action: "list the archived sessions, or the active ones again"),
        Binding(keys: "Sessions: /", action: "search every session's title and messages (Esc clears)"),
        Binding(keys: "/search TEXT", action: "search every session from the input"),
        Binding(keys: "Sessions: e, /export [PATH]", action: "write the session as Markdown (default ./glmchat-TITLE.md)"),
        Binding(keys: "F1, /help", action: "this help"),
        Binding(keys: "F2", action: "show or hide the session list"),
        Binding(keys: "F3, /model [NAME]", action: "choose the model (loads in the background)"),
        Binding(keys: "Ctrl+N, /new", action: "new session"),
        Binding(keys: "F5, /retry", action: "regenerate the last answer"),
        Binding(keys: "F6, /edit", action: "edit the last message and regenerate"),
        Binding(keys: "F7, /system TEXT", action: "set the system prompt"),
        Binding(keys: "F8, /clear", action: "empty the model's context, keep the session"),
        Binding(keys: "/rename TITLE", action: "rename this session"),
        Binding(keys: "Ctrl+L", action: "redraw the screen"),
        Binding(keys: "Ctrl+Z", action: "suspend (fg to come back)"),
        Binding(keys: "F10, /quit", action: "quit"),
    ]
}
