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
        currentSession = nil
        messages = []
        contextUsed = 0
        transcript.scrollToBottom()
        showNotice("New session")
    }

    func openSession(_ session: SessionSummary) {
        stopGeneration()
        guard let loaded = attempt("open the session", { try repository.messages(in: session.id) }) else { return }
        currentSession = session
        messages = loaded.map { message in
            var fixed = message
            if fixed.state == .streaming { fixed.state = .stopped }   // interrupted in an earlier run
            return fixed
        }
        contextUsed = 0
        transcript.scrollToBottom()
        for message in messages where message.role == .user { history.record(message.text) }
    }

    func rename(_ session: SessionSummary, to title: String) {
        let clean = title.trimmingSpaces()
        guard !clean.isEmpty else { return }
        attempt("rename the session") { try repository.renameSession(session.id, to: clean) }
        if currentSession?.id == session.id { currentSession?.title = clean }
        reloadSessions()
    }

    func setSystemPrompt(_ text: String) {
        guard !text.isEmpty else {
            let current = messages.last { $0.role == .system }?.text
            showNotice(current.map { "System prompt: \($0)" } ?? "No system prompt. Usage: /system TEXT")
            return
        }
        guard let session = ensureSession(titledAfter: "System: " + text) else { return }
        if let stored = attempt("save the system prompt", { try repository.appendMessage(to: session.id, role: .system, text: text, state: .complete) }) {
            messages.append(stored)
        }
    }

    func clearContext() {
        guard let session = currentSession, !messages.isEmpty else {
            showNotice("The context is already empty")
            return
        }
        stopGeneration()
        if let stored = attempt("clear the context", { try repository.appendMessage(to: session.id, role: .contextCleared, text: "", state: .complete) }) {
            messages.append(stored)
        }
        contextUsed = 0
        showNotice("Context cleared; the session keeps its messages")
    }

    /// Regenerates the last answer (or answers a last message that has none).
    func retry() {
        guard !isGenerating else { return showNotice("An answer is still being written — Esc stops it") }
        guard let lastUser = messages.lastIndex(where: { $0.role == .user }) else { return showNotice("Nothing to retry") }
        removeMessages(after: lastUser)
        startGeneration()
    }

    /// Puts the last user message back into the input and removes it with its answer.
    func editLast() {
        guard !isGenerating else { return showNotice("An answer is still being written — Esc stops it") }
        guard let lastUser = messages.lastIndex(where: { $0.role == .user }) else { return showNotice("No message to edit") }
        let text = messages[lastUser].text
        removeMessages(after: lastUser - 1)
        sidebarFocused = false
        editor.set(text)
        showNotice("Editing the last message: Enter sends it again")
    }

    /// Removes the conversation after `index` (system prompts and context marks stay).
    private func removeMessages(after index: Int) {
        let tail = messages.dropFirst(index + 1)
        let conversational: (ChatMessage) -> Bool = { $0.role == .user || $0.role == .assistant }
        for message in tail where conversational(message) {
            attempt("delete a message") { try repository.deleteMessage(message.id) }
        }
        messages = Array(messages.prefix(index + 1)) + tail.filter { !conversational($0) }
    }

    /// The current session, created (titled after the first message) when there is none yet.
    func ensureSession(titledAfter text: String) -> SessionSummary? {
        if let currentSession { return currentSession }
        let title = Glyphs.truncated(text.trimmingSpaces(), toCells: 40)
        guard let created = attempt("create a session", { try repository.createSession(title: title) }) else { return nil }
        currentSession = created
        reloadSessions()
        return created
    }
}
