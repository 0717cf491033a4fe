import GLMEngine
import GLMStore
extension ChatApp {
    /// The slash commands; each also has a key (see KeyBindings).
    public static let commands = ["/new", "/model", "/system", "/clear", "/retry", "/edit", "/rename", "/delete", "/undo",
                                  "/archive", "/archived", "/search", "/export", "/help", "/quit"]

    /// Enter: a known /command runs, anything else is sent to the model.
    func submit() {
        let text = editor.text
        guard !text.trimmingSpaces().isEmpty else { return }
        if text.hasPrefix("/") {
            let name = String(text.prefix { !$0.isWhitespace })
            let argument = text.dropFirst(name.count).trimmingSpaces()
            guard Self.commands.contains(name) else {
                showError("Unknown command \(name) — F1 lists the commands")
                return
            }
            history.record(text)
            editor.clear()
            run(command: name, argument: argument)
            return
        }
        guard !isGenerating else {
            showNotice("An answer is still being written — Esc stops it")
            return
        }
        history.record(text)
        editor.clear()
        send(text)
    }

    func run(command: String, argument: String) {
        switch command {
        case "/new": newSession()
        case "/model":
            if argument.isEmpty {
                openModelPicker()
            } else if let entry = models.first(where: { $0.name == argument }) {
                loadModel(entry)
            } else {
                showError("No model named \(argument); configured: \(models.map(\.name).joined(separator: ", "))")
            }
        case "/system": setSystemPrompt(argument)
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

    func newSession() {
        stopGeneration()
        chat = ChatSession(store: store)
        contextUsed = 0
        transcript.scrollToBottom()
        showNotice("New session")
    }

    func openSession(_ session: Session) {
        stopGeneration()
        guard let opened = attempt("open the session", { try ChatSession(opening: session.id, in: store) }) else { return }
        chat = opened
        contextUsed = 0
        transcript.scrollToBottom()
        for message in messages where message.role == .user { history.record(message.content) }
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

    /// Regenerates the last answer (or answers a last message that has none).
    func retry() {
        guard !isGenerating else { return showNotice("An answer is still being written — Esc stops it") }
        guard let lastUser = messages.lastIndex(where: { $0.role == .user }) else { return showNotice("Nothing to retry") }
        guard attempt("remove the last answer", { try chat.removeExchange(from: lastUser + 1) }) != nil else { return }
        startGeneration()
    }

    /// Puts the last user message back into the input and removes it with its answer.
    func editLast() {
        guard !isGenerating else { return showNotice("An answer is still being written — Esc stops it") }
        guard let lastUser = messages.lastIndex(where: { $0.role == .user }) else { return showNotice("No message to edit") }
        let text = messages[lastUser].content
        guard attempt("remove the last message", { try chat.removeExchange(from: lastUser) }) != nil else { return }
        sidebarFocused = false
        editor.set(text)
        showNotice("Editing the last message: Enter sends it again")
    }
}
