/// What a key does when it is not typing: the app's actions, the keys they are on, and how
/// config.toml moves them (`keys = "vi"` for the vi keys in the transcript, `[bind]` for the rest):
///
///     keys = "vi"
///     [bind]
///     copy = "ctrl+y"
///     new_session = ["ctrl+n", "f4"]
///
/// One table, so F1 always shows the keys in force.
public enum AppAction: String, CaseIterable, Sendable {
    case help, sidebar, model, copy, newSession = "new_session", retry, edit, system, clear, mouse, quit
    case editor, previousAlternative = "previous_alternative", nextAlternative = "next_alternative"
    case mode, expandResult = "expand_result"

    /// What F1 says it does.
    var summary: String {
        switch self {
        case .help: "this help"
        case .sidebar: "show or hide the session list"
        case .model: "choose the model (loads in the background)"
        case .copy: "copy the last answer (in the transcript: the block under the cursor) to the clipboard"
        case .newSession: "new session"
        case .retry: "answer again; the earlier answer stays as an alternative"
        case .edit: "edit the last message; sent again, it becomes an alternative"
        case .system: "set the system prompt"
        case .clear: "empty the model's context, keep the session"
        case .mouse: "mouse on/off (off: the terminal selects text; on: Shift+drag selects)"
        case .quit: "quit"
        case .editor: "write the message in $EDITOR (also Ctrl+X Ctrl+E)"
        case .previousAlternative: "previous alternative of the turn (empty input, or in the transcript)"
        case .nextAlternative: "next alternative of the turn (empty input, or in the transcript)"
        case .mode: "next mode: Chat, Tool (the enabled tools), Code (the interpreter); kept with the session"
        case .expandResult: "expand or collapse a long tool result (the last one, or the one under the cursor)"
        }
    }

    /// The slash command that does the same, if any.
    var command: String? {
        switch self {
        case .help: "/help"
        case .model: "/model [NAME]"
        case .newSession: "/new"
        case .retry: "/retry"
        case .edit: "/edit"
        case .system: "/system TEXT"
        case .clear: "/clear"
        case .quit: "/quit"
        case .copy: "/copy"
        case .mode: "/mode [chat|tool|code]"
        default: nil
        }
    }
}

/// Which keys do what in the transcript: arrows and PgUp/PgDn, or vi's as well.
public enum KeyStyle: String, Sendable {
    case standard = "default"
    case vi
}

public struct KeyMap: Equatable, Sendable {
    public var style: KeyStyle
    public private(set) var bindings: [AppAction: [Key]]

    public static let standard = KeyMap(style: .standard, bindings: [
        .help: [.function(1)], .sidebar: [.function(2)], .model: [.function(3)], .copy: [.control("y")],
        .newSession: [.control("n")], .retry: [.function(5)], .edit: [.function(6)], .system: [.function(7)],
        .clear: [.function(8)], .mouse: [.function(9)], .quit: [.function(10)], .editor: [.control("g")],
        .previousAlternative: [.text("[")], .nextAlternative: [.text("]")], .mode: [.function(4)],
        .expandResult: [.control("o")],
    ])

    public init(style: KeyStyle = .standard, bindings: [AppAction: [Key]] = KeyMap.standard.bindings) {
        self.style = style
        self.bindings = bindings
    }

    /// The action `key` is bound to, if any.
    public func action(for key: Key) -> AppAction? {
        AppAction.allCases.first { bindings[$0]?.contains(key) == true }
    }

    /// Binds `keys` to `action`, taking them from any other action.
    public mutating func bind(_ action: AppAction, to keys: [Key]) {
        for other in AppAction.allCases { bindings[other]?.removeAll { keys.contains($0) } }
        bindings[action] = keys
    }

    /// The keys of `action` as F1 shows them ("F5", "Ctrl+N").
    public func names(of action: AppAction) -> String {
        (bindings[action] ?? []).map(KeySpec.name).joined(separator: ", ")
    }
}

/// Key names as config.toml writes them: `f1`…`f12`, `ctrl+a`…`ctrl+z`, `alt+x`, `pageup`,
/// `pagedown`, `home`, `end`, `insert`, `delete`, or one character (`[`).
public enum KeySpec {
    public static func parse(_ text: String) -> Key? {
        let lowered = text.lowercased()
        if text.count == 1, let character = text.first, !character.isWhitespace { return .text(text) }
        if lowered.hasPrefix("f"), let number = Int(lowered.dropFirst()), (1...12).contains(number) { return .function(number) }
        if lowered.hasPrefix("ctrl+"), lowered.count == 6, let letter = lowered.last, letter.isASCII, letter.isLetter {
            // Ctrl+H, I, J and M are Backspace, Tab, the new-line key and Enter on every terminal.
            guard !"hijm".contains(letter) else { return nil }
            return .control(letter)
        }
        if lowered.hasPrefix("alt+"), text.count == 5, let character = text.last, character.isASCII, !character.isWhitespace {
            return .alt(character)
        }
        switch lowered {
        case "pageup": return .pageUp
        case "pagedown": return .pageDown
        case "home": return .home
        case "end": return .end
        case "insert": return .insert
        case "delete": return .delete
        default: return nil
        }
    }

    public static func name(_ key: Key) -> String {
        switch key {
        case .function(let number): "F\(number)"
        case .control(let letter): "Ctrl+" + letter.uppercased()
        case .alt(let character): "Alt+\(character)"
        case .text(let text): text
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .home: "Home"
        case .end: "End"
        case .insert: "Insert"
        case .delete: "Delete"
        default: "\(key)"
        }
    }
}
