/// Every key the app answers to, in the order the help screen lists them: the actions as the key
/// map has them (so F1 shows the keys in force), and the keys that do not move. One table, so the
/// help screen cannot drift from what the keys do (the tests check that each listed command exists).
public enum KeyBindings {
    public struct Binding: Equatable, Sendable {
        public var keys: String
        public var action: String
    }

    /// The help for the standard keys.
    public static var all: [Binding] { list(for: .standard) }

    public static func list(for map: KeyMap) -> [Binding] {
        var bindings = [
            Binding(keys: "Enter", action: "send the message (or run a /command; // sends a leading /)"),
            Binding(keys: "Ctrl+J, Alt+Enter", action: "new line in the message"),
            Binding(keys: "Esc", action: map.style == .vi
                    ? "stop the answer; close a dialog; from the input: the transcript (i returns)"
                    : "stop the answer (keeps what was written); close a dialog; back to the input"),
            Binding(keys: "Ctrl+C", action: "stop the answer; when idle clear the input, twice: quit"),
            Binding(keys: "Ctrl+D", action: "quit when the input is empty; else delete forward"),
            Binding(keys: "Up, Down", action: "history (empty input) or move between lines"),
            Binding(keys: "Left, Right, Ctrl+A, Ctrl+E", action: "move the caret; line start/end"),
            Binding(keys: "Ctrl+Left/Right, Alt+B/F", action: "move by word"),
            Binding(keys: "Ctrl+W, Ctrl+U, Ctrl+K", action: "delete word / to line start / to line end"),
            Binding(keys: "PgUp, PgDn, mouse wheel", action: "scroll the transcript"),
            Binding(keys: "Home, End", action: "transcript top/bottom (empty input); else line start/end"),
            Binding(keys: "Tab, Shift+Tab", action: "move between the input, the session list and the transcript"),
            Binding(keys: "Sessions: Up, Down, Enter, click", action: "choose and open a session (PgUp/PgDn, Home/End jump)"),
            Binding(keys: "Sessions: r, n", action: "rename, new session"),
            Binding(keys: "Sessions: d, /delete", action: "delete the session (asks first; undo for 5 seconds)"),
            Binding(keys: "Sessions: u, /undo", action: "bring back the session just deleted"),
            Binding(keys: "Sessions: a, /archive", action: "archive the session, or unarchive an archived one"),
            Binding(keys: "Sessions: A, /archived", action: "list the archived sessions, or the active ones again"),
            Binding(keys: "Sessions: /", action: "search every session's title and messages (Esc clears)"),
            Binding(keys: "/search TEXT", action: "search every session from the input"),
            Binding(keys: "Sessions: e, /export [PATH]", action: "write the session as Markdown (default ./glmchat-TITLE.md)"),
        ]
        if map.style == .vi {
            bindings += [
                Binding(keys: "Transcript: j, k, Up, Down", action: "move the cursor between messages and code blocks"),
                Binding(keys: "Transcript: g, G, Ctrl+D, Ctrl+U", action: "first / last block, half a page down / up"),
                Binding(keys: "Transcript: / (then n, N)", action: "find text; next, previous match"),
                Binding(keys: "Transcript: y, Enter", action: "copy the block under the cursor"),
                Binding(keys: "Transcript: i, a", action: "back to the input"),
                Binding(keys: "Transcript: o", action: "expand or collapse the tool result under the cursor"),
            ]
        } else {
            bindings += [
                Binding(keys: "Transcript: Up, Down, Home, End", action: "move the cursor between messages and code blocks"),
                Binding(keys: "Transcript: / (then n, N)", action: "find text; next, previous match"),
                Binding(keys: "Transcript: y, c, Enter, click", action: "copy the block under the cursor"),
                Binding(keys: "Transcript: o", action: "expand or collapse the tool result under the cursor"),
            ]
        }
        for action in AppAction.allCases {
            let keys = [map.names(of: action), action.command].compactMap { $0?.isEmpty == false ? $0 : nil }
            bindings.append(Binding(keys: keys.isEmpty ? "(no key)" : keys.joined(separator: ", "), action: action.summary))
        }
        bindings += [
            Binding(keys: "/set [NAME VALUE]", action: "this session's sampling: temperature, top_p, top_k, repeat_penalty, seed, max_tokens"),
            Binding(keys: "/rename TITLE", action: "rename this session"),
            Binding(keys: "/tools [NAME]", action: "list the tool sources and their tools; with a name, switch that tool on or off"),
            Binding(keys: "Tool call: y, a, n, e, m", action: "run once, always for this tool, refuse, edit the arguments, type the result"),
            Binding(keys: "/upload PATH", action: "Code mode: copy a file to /mnt/data for the model's code; the next message announces it"),
            Binding(keys: "Ctrl+L", action: "redraw the screen"),
            Binding(keys: "Ctrl+Z", action: "suspend (fg to come back)"),
        ]
        return bindings
    }
}
