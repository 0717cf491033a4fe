import GLMEngine
import GLMStore
extension ChatApp {
    /// The slash commands; each also has a key (see KeyBindings).
    public static let commands = ["/new", "/model", "/system", "/set", "/clear", "/retry", "/edit", "/copy", "/rename",
                                  "/delete", "/undo", "/archive", "/archived", "/search", "/export", "/mode", "/tools", "/upload", "/help", "/quit"]

    /// Enter: a known /command runs, anything else is sent to the model. A leading "//" sends the
    /// text with one "/" (a path, say); an unknown command is refused and stays in the input.
    func submit() {
        let typed = editor.text
        guard !typed.trimmingSpaces().isEmpty else { return }
        var text = typed
        if typed.hasPrefix("//") {
            text = String(typed.dropFirst())
        } else if typed.hasPrefix("/") {
            let name = String(typed.prefix { !$0.isWhitespace })
            let argument = typed.dropFirst(name.count).trimmingSpaces()
            guard Self.commands.contains(name) else {
                showError("Unknown command \(name) (your text is kept; start with // to send it as a message) — F1 lists the commands")
                return
            }
            history.record(typed)
            editor.clear()
            if name == "/upload" {
                // a path that fails stays in the input to be fixed
                if !upload(argument) { editor.set(typed) }
                return
            }
            run(command: name, argument: argument)
            return
        }
        guard !isGenerating else {
            showNotice("An answer is still being written — Esc stops it")
            return
        }
        send(text, typed: typed)
    }

    func run(command: String, argument: String) {
        switch command {
        case "/new": newSession()
        case "/model":
            if argument.isEmpty {
                openModelPicker()
            } else if let entry = models.first(where: { $0.name == argument }) {
                chooseModel(entry)
            } else {
                showError("No model named \(argument); configured: \(models.map(\.name).joined(separator: ", "))")
            }
        case "/system": setSystemPrompt(argument)
        case "/set": setSampling(argument)
        case "/copy": copy()
        case "/clear": clearContext()
        case "/retry": retry()
        case "/edit": editLast()
        case "/rename":
            if let session = currentSession, !argument.isEmpty { rename(session, to: argument) }
            else { showError("Usage: /rename TITLE (in a saved session)") }
        case "/delete":
            if let session = currentSession { overlay = .confirmDelete(session) } else { showError("No saved session to delete") }
        case "/undo": undoDelete()
        case "/archive":
            if let session = currentSession { toggleArchived(session) } else { showError("No saved session to archive") }
        case "/archived": showArchived(!showingArchived)
        case "/search":
            if argument.isEmpty { showError("Usage: /search TEXT") } else { startSearch(argument) }
        case "/export":
            if let session = currentSession { export(session, to: argument) } else { showError("Nothing to export: this session has no messages yet") }
        case "/mode": runModeCommand(argument)
        case "/tools": runToolsCommand(argument)
        case "/help": overlay = .help(scroll: 0)
        case "/quit": wantsQuit = true
        default: break
        }
    }

    func openModelPicker() {
        guard !models.isEmpty else {
            showError("No model configured: add [[models]] to config.toml or pass --model PATH.")
            return
        }
        let selected = models.firstIndex { $0.name == (loadingModel?.name ?? model?.name) } ?? 0
        overlay = .modelPicker(selected: selected)
    }

    /// A new session, sampling as the loaded (or loading) model's entry in config.toml says.
    func newSession() {
        stopGeneration()
        chat = ChatSession(store: store, sampling: currentEntry?.sampling ?? .default)
        contextUsed = 0
        transcript.scrollToBottom()
        showNotice("New session")
    }

    /// The configured model that is loading, or else the one loaded.
    var currentEntry: ModelEntry? {
        loadingModel ?? models.first { $0.name == model?.name }
    }

    func openSession(_ session: Session) {
        stopGeneration()
        guard let opened = attempt("open the session", { try ChatSession(opening: session.id, in: store) }) else { return }
        chat = opened
        contextUsed = contextOfShownPath
        transcript.scrollToBottom()
        for message in messages where message.role == .user { history.record(message.content) }
        checkModel(for: opened.session ?? session)
    }

    func rename(_ session: Session, to title: String) {
        let clean = title.trimmingSpaces()
        guard !clean.isEmpty else { return }
        attempt("rename the session") { try store.renameSession(session.id, to: clean) }
        if currentSession?.id == session.id { attempt("read the session") { try chat.reloadSession() } }
        reloadSessions()
    }

    /// "/system TEXT" sets the session's system prompt (kept with the session); "/system" alone shows it.
    func setSystemPrompt(_ text: String) {
        guard !text.isEmpty else {
            let current = chat.systemPrompt
            showNotice(current.isEmpty ? "No system prompt. Usage: /system TEXT" : "System prompt: \(current)")
            return
        }
        let wasSaved = currentSession != nil
        guard attempt("save the system prompt", { try chat.setSystemPrompt(text, model: model) }) != nil else { return }
        if !wasSaved { reloadSessions() }
        showNotice("System prompt set for this session")
    }

    func clearContext() {
        guard currentSession != nil, !messages.isEmpty else {
            showNotice("The context is already empty")
            return
        }
        stopGeneration()
        attempt("clear the context") { try chat.clearContext() }
        contextUsed = 0
        showNotice("Context cleared; the session keeps its messages")
    }

    /// Answers the last message again; the earlier answer stays as an alternative (`[` and `]`).
    func retry() {
        guard !isGenerating else { return showNotice("An answer is still being written — Esc stops it") }
        guard let lastUser = messages.lastIndex(where: { $0.role == .user }) else { return showNotice("Nothing to retry") }
        guard attempt("keep the last answer as an alternative", { try chat.retract(from: lastUser + 1) }) != nil else { return }
        startGeneration()
    }

    /// Puts the last user message back into the input; sent again, it becomes an alternative of the
    /// original (which keeps its answers: `[` and `]` bring them back).
    func editLast() {
        guard !isGenerating else { return showNotice("An answer is still being written — Esc stops it") }
        guard let lastUser = messages.lastIndex(where: { $0.role == .user }) else { return showNotice("No message to edit") }
        let text = messages[lastUser].content
        guard attempt("keep the last message as an alternative", { try chat.retract(from: lastUser) }) != nil else { return }
        focus = .input
        editor.set(text)
        showNotice("Editing the last message: Enter sends it as an alternative; [ and ] show the earlier one")
    }
}
