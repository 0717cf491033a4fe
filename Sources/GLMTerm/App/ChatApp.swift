import Foundation
import GLMEngine
import GLMInterpreter
import GLMStore
import GLMTools

/// The chat app's state and its drawing. Keys come in through `handle(_:)` (ChatApp+Keys),
/// model and answer events through the streams started in ChatApp+Generation; `render(size:)`
/// draws the whole screen into a cell grid. Nothing here talks to a terminal. The open
/// conversation is a `ChatSession`, which saves every message through the store itself.
@MainActor
public final class ChatApp {
    /// Where keys go: the input, the session list, or the transcript (its cursor, copy, search).
    enum Focus: Equatable {
        case input, sidebar, transcript
    }

    /// What the app asks of the terminal itself; the runner does it (`AppRunner`).
    enum TerminalRequest: Equatable {
        case copy(String)
        case mouse(Bool)
        case edit(String, command: String)
    }

    enum Overlay: Equatable {
        case help(scroll: Int)
        /// A notice too long for the rows above the input, read whole (scrolls like the help).
        case message(title: String, text: String, isError: Bool, scroll: Int)
        case modelPicker(selected: Int)
        case confirmDelete(Session)
        case rename(Session, InputEditor)
        /// Something from start that needs more room than the notice line (a path, say).
        case startupProblem(String)
        /// A question with its answering keys (ChatApp+Questions).
        case question(Question)
    }

    let provider: any ModelProvider
    let store: GLMStore
    public let models: [ModelEntry]
    let initialModel: String?
    public internal(set) var theme: Theme
    public let keyMap: KeyMap
    /// For `$VISUAL` / `$EDITOR`.
    let environment: [String: String]

    public internal(set) var sessions: [Session] = []
    /// The open conversation (a new, unsaved one until its first message).
    public internal(set) var chat: ChatSession
    /// Any change to it (text or caret) drops the input's kept layout.
    public internal(set) var editor = InputEditor() { didSet { inputLayoutCache = nil } }
    var history = InputHistory()

    /// What answers: the loaded model.
    public internal(set) var backend: (any ChatBackend)?
    var loadingModel: ModelEntry?
    var loadFailure: String?
    /// A warning about the model loading, shown once it has loaded.
    var loadWarning: String?
    var loadProgress = 0.0
    public internal(set) var activity: Activity = .idle
    var contextUsed = 0
    var tokensPerSecond: Double?
    /// Speculative decoding of the latest answer: drafted tokens the model accepted, of those drafted.
    var drafts: (accepted: Int, drafted: Int)?
    /// The time left reading a long prompt, from its measured rate.
    var promptEstimate = PromptReadingEstimate()
    public internal(set) var notice: (text: String, isError: Bool)?

    var sidebarWanted = true
    var focus = Focus.input
    var sidebarFocused: Bool {
        get { focus == .sidebar }
        set { focus = newValue ? .sidebar : (focus == .sidebar ? .input : focus) }
    }
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
    /// The enabled tools as ChatGLM3's tool list (what Tool mode offers), nil when there are none.
    var promptTools: JSONValue?
    /// Where tools come from (config command tools, MCP servers, the demo's); nil: none configured.
    var toolRegistry: ToolRegistry?
    /// The sources as last listed (`/tools`).
    var toolStatuses: [ToolRegistry.SourceStatus] = []
    /// The open session's agent loop (it remembers "always" for that session only).
    var agent: AgentLoop?
    /// The loop answering now (Tool or Code mode's), for Esc.
    var runningLoop: AgentLoop?
    /// The code interpreter: the `[interpreter]` settings of config.toml, and each session's
    /// sandboxed Python with its loop (ChatApp+Code).
    public var interpreterSettings = InterpreterSettings()
    var interpreters = InterpreterPool()
    /// Files `/upload` copied into a session's folder, announced at the start of its next message.
    var pendingUploads: (session: SessionID, files: [UploadedFile])?
    /// A question is being answered through the agent loop (Tool or Code mode).
    var agentRunning = false
    /// A call waiting for the user's key, and the call running now (the spinner).
    var approval: PendingApproval?
    var runningCall: ProposedCall?
    /// At most this many calls per question (config `max_tool_rounds`).
    public var maxToolRounds = AgentLoop.defaultMaxToolRounds

    /// How many times the session list was read (an answer streaming must not read it per piece).
    var sessionListReads = 0
    var pendingSend = false
    /// Ctrl+X was pressed: Ctrl+E next opens the editor.
    var pendingControlX = false
    /// The query being typed after "/" in the transcript, and the last one searched (n, N).
    var transcriptSearch: String?
    var lastTranscriptQuery: String?
    var mouseCaptured = true
    /// The input's last layout (see `inputLayout`).
    var inputLayoutCache: (width: Int, layout: EditorLayout)?
    var terminalRequests: [TerminalRequest] = []
    var generationTask: Task<Void, Never>?
    var loadTask: Task<Void, Never>?
    var quitArmed = false
    /// The size and layout of the last frame: the editor needs the input box's width for Up/Down,
    /// a click needs to know what it hit.
    var lastSize = Size(rows: 24, columns: 80)
    var lastLayout: ScreenLayout?

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
        var shown = messages
        if !prompt.isEmpty {
            shown.insert(Message(id: MessageID("system-prompt"), sessionID: currentSession?.id ?? .unsaved, role: .system,
                                 content: prompt), at: 0)
        }
        if let approval {
            shown.append(Message(id: MessageID("approval"), sessionID: currentSession?.id ?? .unsaved, role: .system,
                                 content: (codeCardWarning(approval.call).map { $0 + "\n" } ?? "") + approvalPrompt(approval),
                                 metadata: TranscriptLayout.approvalMarker))
        }
        return shown
    }
    /// The open session once it is saved (its first message, or its system prompt, saves it).
    public var currentSession: Session? { chat.session }
    /// A base model is loaded: plain completion, no roles.
    var isCompletion: Bool { model.map { !$0.kind.usesChatFormat } ?? false }
    /// The transcript is a base model's: "Prompt" and "Continuation". A saved session says what it
    /// was written with; a new one follows the loaded model.
    var transcriptIsCompletion: Bool {
        if let kind = currentSession.flatMap({ ModelKind(rawValue: $0.modelKind) }) { return !kind.usesChatFormat }
        return isCompletion
    }

    /// `initialModel` names the model to load first (default: the first one listed).
    public init(provider: any ModelProvider, store: GLMStore, models: [ModelEntry],
                initialModel: String? = nil, theme: Theme, keyMap: KeyMap = .standard,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.provider = provider
        self.store = store
        self.models = models
        self.initialModel = initialModel
        let first = models.first { $0.name == initialModel } ?? models.first
        chat = ChatSession(store: store, sampling: first?.sampling ?? .default)
        self.theme = theme
        self.keyMap = keyMap
        self.environment = environment
        self.transcript = TranscriptView(theme: theme)
    }

    /// Reads the session list and starts loading the first model. `problem` (say, a broken
    /// theme file) is shown until the first key; so is the repository's startup notice (a
    /// damaged database moved aside), in a box wide enough for the paths it names.
    public func start(problem: String? = nil) {
        if let problem { showError(problem) }
        if let readOnlyReason {
            // as an error, so that "model loaded" does not replace it before it is read
            showError("Read-only: \(readOnlyReason). Sessions can be read; nothing new is saved.")
        }
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

    // MARK: Notices and errors

    /// An informational line in the input box's border (wrapped above the input when it is longer;
    /// in a dialog when even that is too small). It does not hide an error: errors stay until the
    /// next key.
    func showNotice(_ text: String) {
        if notice?.isError == true { return }
        show(text, isError: false)
    }

    func showError(_ text: String) {
        show(text, isError: true)
    }

    private func show(_ text: String, isError: Bool) {
        isDirty = true
        let columns = ScreenLayout(size: lastSize, sidebarWanted: sidebarWanted, inputLines: 1).input.columns
        if NoticeView.lines(text, columns: columns).count > ScreenLayout.noticeLimit(rows: lastSize.rows), overlay == nil {
            notice = nil
            overlay = .message(title: isError ? "Error" : "Notice", text: text, isError: isError, scroll: 0)
            return
        }
        notice = (text, isError)
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
