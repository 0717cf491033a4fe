import Foundation
import GLMEngine
import GLMStore

/// The chat app's state and its drawing. Keys come in through `handle(_:)` (ChatApp+Keys),
/// model and answer events through the streams started in ChatApp+Generation; `render(size:)`
/// draws the whole screen into a cell grid. Nothing here talks to a terminal. The open
/// conversation is a `ChatSession`, which saves every message through the store itself.
@MainActor
public final class ChatApp {
    enum Overlay: Equatable {
        case help(scroll: Int)
        case modelPicker(selected: Int)
        case confirmDelete(Session)
        case rename(Session, InputEditor)
        /// Something from start that needs more room than the notice line (a path, say).
        case startupProblem(String)
    }

    let provider: any ModelProvider
    let store: GLMStore
    public let models: [ModelEntry]
    let initialModel: String?
    public internal(set) var theme: Theme

    public internal(set) var sessions: [Session] = []
    /// The open conversation (a new, unsaved one until its first message).
    public internal(set) var chat: ChatSession
    public internal(set) var editor = InputEditor()
    var history = InputHistory()

    /// What answers: the loaded model.
    public internal(set) var backend: (any ChatBackend)?
    var loadingModel: ModelEntry?
    var loadFailure: String?
    var loadProgress = 0.0
    public internal(set) var activity: Activity = .idle
    var contextUsed = 0
    var tokensPerSecond: Double?
    public internal(set) var notice: (text: String, isError: Bool)?

    var sidebarWanted = true
    var sidebarFocused = false
    var sidebarSelection = 0
    /// Text typed after "/" in the session list: every session's title and messages are searched.
    var sessionFilter: String?
    var searchHits: [SearchHit] = []
    /// Every session of the list has been read (see `sessionPage`).
    var sessionsComplete = false
    /// The list shows the archived sessions instead of the active ones.
    var showingArchived = false
    var pendingDeletion: PendingDeletion?
    /// Where "/export" writes when given no path or a relative one.
    public var exportDirectory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    var overlay: Overlay?
    let transcript: TranscriptView

    /// How many times the session list was read (an answer streaming must not read it per piece).
    var sessionListReads = 0
    var pendingSend = false
    var generationTask: Task<Void, Never>?
    var loadTask: Task<Void, Never>?
    var quitArmed = false
    /// The size of the last frame: the editor needs the input box's width for Up/Down.
    var lastSize = Size(rows: 24, columns: 80)

    public internal(set) var wantsQuit = false
    /// Ctrl+Z was pressed: the runner suspends the terminal, then redraws.
    public var wantsSuspend = false
    /// Set when something on screen changed; the runner draws and clears it.
    public var isDirty = true
    /// Set by Ctrl+L and resizes: the next frame is drawn in full.
    public var needsFullRedraw = false

    public var model: ModelInfo? { backend?.info }
    public var messages: [Message] { chat.messages }
    /// What the transcript shows: the session's system prompt first (when it has one), then the messages.
    var transcriptMessages: [Message] {
        let prompt = chat.systemPrompt
        guard !prompt.isEmpty else { return messages }
        let shown = Message(id: MessageID("system-prompt"), sessionID: currentSession?.id ?? .unsaved, role: .system,
                            content: prompt)
        return [shown] + messages
    }
    /// The open session once it is saved (its first message, or its system prompt, saves it).
    public var currentSession: Session? { chat.session }
    /// A base model is loaded: plain completion, no roles.
    var isCompletion: Bool { model.map { !$0.kind.usesChatFormat } ?? false }

    /// `initialModel` names the model to load first (default: the first one listed).
    public init(provider: any ModelProvider, store: GLMStore, models: [ModelEntry],
                initialModel: String? = nil, theme: Theme) {
        self.provider = provider
        self.store = store
        chat = ChatSession(store: store)
        self.models = models
        self.initialModel = initialModel
        self.theme = theme
        self.transcript = TranscriptView(theme: theme)
    }

    /// Reads the session list and starts loading the first model. `problem` (say, a broken
    /// theme file) is shown until the first key; so is the repository's startup notice (a
    /// damaged database moved aside), in a box wide enough for the paths it names.
    public func start(problem: String? = nil) {
        if let problem { showError(problem) }
        if let notice = store.notice {
            let text = notice.description
            overlay = .startupProblem(text.prefix(1).uppercased() + text.dropFirst())
        }
        reloadSessions()
        if let name = initialModel, let entry = models.first(where: { $0.name == name }) {
            loadModel(entry)
        } else if let entry = models.first {
            loadModel(entry)
        } else {
            activity = .failed
            showError("No model configured: add [[models]] to config.toml or pass --model PATH.")
        }
    }

    // MARK: Drawing

    public func render(size: Size) -> (grid: CellGrid, cursor: Position?) {
        var grid = CellGrid(size: size)
        lastSize = size
        guard size.rows > 0, size.columns > 0 else { return (grid, nil) }
        let draft = ScreenLayout(size: size, sidebarWanted: sidebarWanted, inputLines: 1)
        let needed = InputBoxView.neededRows(for: editor, columns: draft.input.columns)
        let layout = ScreenLayout(size: size, sidebarWanted: sidebarWanted, inputLines: needed)
        transcript.layout.completion = isCompletion
        transcript.draw(messages: transcriptMessages, into: &grid, rect: layout.transcript, theme: theme, emptyHint: emptyHint)
        let inputTitle = isCompletion ? "text to continue (base model: no roles)" : "message · F1 help"
        let shownNotice = notice ?? undoNotice.map { (text: $0, isError: false) }
        var cursor = InputBoxView(editor: editor, title: inputTitle, notice: shownNotice?.text,
                                  noticeIsError: shownNotice?.isError ?? false, theme: theme).draw(into: &grid, rect: layout.input)
        StatusLineView(model: model, loadingName: loadingModel?.name, contextUsed: contextUsed,
                       tokensPerSecond: tokensPerSecond, activity: activity, theme: theme).draw(into: &grid, rect: layout.status)
        if let sidebar = layout.sidebar {
            let filterCursor = SidebarView(sessions: listedSessions, hits: isSearching ? searchHits : nil,
                                           current: currentSession?.id, selected: sidebarSelection, focused: sidebarFocused,
                                           filter: sessionFilter, archived: showingArchived, theme: theme).draw(into: &grid, rect: sidebar)
            if sidebarFocused, sessionFilter != nil { cursor = filterCursor }
        }
        if layout.sidebar == nil { sidebarFocused = false }
        if sidebarFocused && sessionFilter == nil { cursor = nil }
        if let overlay {
            cursor = dialog(for: overlay).draw(into: &grid, screen: size)
        }
        return (grid, cursor)
    }

    private var emptyHint: String {
        var hint = "Type a message and press Enter. Ctrl+J or Alt+Enter starts a new line; Esc stops an answer; F1 shows every key."
        if isCompletion {
            hint = "Base model: plain completion, no roles. Type the beginning of a text and press Enter to continue it."
        }
        return hint
    }

    private func dialog(for overlay: Overlay) -> DialogView {
        switch overlay {
        case .help(let scroll):
            let keyWidth = (KeyBindings.all.map { Glyphs.width(of: $0.keys) }.max() ?? 0) + 2
            let lines = KeyBindings.all.map { [Span($0.keys, style: theme[.user]), Span($0.action)] }
            return DialogView(title: "Keys", lines: lines, selected: nil, field: nil,
                              footer: "↑↓ PgUp PgDn scroll · any other key closes", theme: theme,
                              hangingIndent: keyWidth, scroll: scroll)
        case .modelPicker(let selected):
            let lines = models.map { entry in
                var spans = [Span(entry.name, style: theme[.assistant]), Span("  \(entry.kind.rawValue)  ", style: theme[.dim]),
                             Span(entry.path, style: theme[.dim])]
                if entry.name == model?.name { spans.insert(Span("● "), at: 0) } else { spans.insert(Span("  "), at: 0) }
                return spans
            }
            return DialogView(title: "Model", lines: lines, selected: selected, field: nil,
                              footer: "Enter loads · Esc cancels", theme: theme)
        case .confirmDelete(let session):
            return DialogView(title: "Delete session", lines: [[Span("Delete “\(session.displayTitle)” and all its messages?")],
                                                               [Span("(it can be undone for a few seconds)", style: theme[.dim])]],
                              selected: nil, field: nil, footer: "y deletes · any other key keeps it", theme: theme)
        case .startupProblem(let text):
            return DialogView(title: "Session database", lines: [[Span(text, style: theme[.error])]], selected: nil,
                              field: nil, footer: "any key closes", theme: theme)
        case .rename(_, let field):
            return DialogView(title: "Rename session", lines: [[Span("New title:", style: theme[.dim])]], selected: nil,
                              field: field, footer: "Enter saves · Esc cancels", theme: theme)
        }
    }

    // MARK: Notices and errors

    /// An informational line in the input box's border. It does not hide an error: errors stay
    /// until the next key.
    func showNotice(_ text: String) {
        if notice?.isError == true { return }
        notice = (text, false)
        isDirty = true
    }

    func showError(_ text: String) {
        notice = (text, true)
        isDirty = true
    }

    /// Runs a repository call; a failure becomes a visible error, never a crash.
    @discardableResult
    func attempt<T>(_ what: String, _ body: () throws -> T) -> T? {
        do {
            return try body()
        } catch {
            showError("Could not \(what): \(error)")
            return nil
        }
    }

    /// How many sessions the list reads at a time: the first page is all a start or a change costs,
    /// however many sessions there are; scrolling further reads more (ChatApp+Sidebar).
    static let sessionPage = 200

    /// Reads the list again from the top: one page, or down to a little past the selection while
    /// the list has the focus (a change made deep in a long list keeps its place).
    func reloadSessions() {
        sessionListReads += 1
        let limit = max(Self.sessionPage, sidebarFocused ? sidebarSelection + Self.sessionPage / 2 : 0)
        if let fresh = attempt("read the sessions", { try store.listSessions(showingArchived ? .archived : .active, offset: 0, limit: limit) }) {
            sessions = fresh
            sessionsComplete = fresh.count < limit
        }
        runSearch()
        sidebarSelection = min(sidebarSelection, max(0, listedSessions.count - 1))
        isDirty = true
    }
}
