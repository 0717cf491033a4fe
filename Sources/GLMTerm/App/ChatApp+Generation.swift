import GLMEngine

extension ChatApp {
    var isGenerating: Bool { generationTask != nil }

    /// Something other than input may change the screen soon: an answer or a model load.
    public var isBusy: Bool { isGenerating || loadingModel != nil }

    /// Saves the user's message (through the session, before anything else happens) and asks for an answer.
    func send(_ text: String) {
        let wasSaved = currentSession != nil
        guard attempt("save the message", { try chat.append(.user, text, model: model) }) != nil else { return }
        if !wasSaved { reloadSessions() }
        transcript.scrollToBottom()
        startGeneration()
    }

    /// Answers the conversation as it stands. Without a loaded model the message waits for the
    /// one being loaded, or an error says why there is none.
    func startGeneration() {
        guard let backend else {
            if let loadingModel {
                pendingSend = true
                showNotice("\(loadingModel.name) is still loading; the message is sent when it is ready")
            } else {
                showError("No model loaded\(loadFailure.map { ": \($0)" } ?? "") — F3 chooses one")
            }
            return
        }
        activity = .readingPrompt(0)
        tokensPerSecond = nil
        transcript.scrollToBottom()
        let stream = chat.reply(using: backend)
        generationTask = Task { [weak self] in
            for await event in stream {
                self?.apply(event)
            }
        }
    }

    /// An answer's event. Its text is already in the session (and on its way to disk): the screen
    /// only needs drawing again.
    func apply(_ event: ChatEvent) {
        isDirty = true
        switch event {
        case .promptProgress(let done, let total):
            // also mid-answer: an exact slide reads the kept conversation again before the next token
            if activity != .stopping {
                activity = .readingPrompt(total > 0 ? Double(done) / Double(total) : 1)
            }
        case .text, .metadata:
            if activity != .stopping { activity = .generating }
        case .progress(let progress):
            tokensPerSecond = progress.tokensPerSecond ?? tokensPerSecond
            contextUsed = progress.contextUsed
        case .contextSlid(let report):
            let what = report.droppedTurns == 1 ? "the oldest turn" : "the \(report.droppedTurns) oldest turns"
            showNotice("Context full: \(what) (\(report.droppedTokens) tokens) slid out of the model's view; they stay here.")
        case .finished(let reason, let stats):
            if case .failed(let message) = reason { showError("The answer failed: \(message)") }
            if stats.generatedTokens > 0 { tokensPerSecond = stats.generationTokensPerSecond }
            if stats.contextUsed > 0 { contextUsed = stats.contextUsed }
            generationTask = nil
            activity = loadingModel != nil ? .loading(loadProgress) : (model == nil ? .failed : .idle)
            reloadSessions()
        }
    }

    /// Esc / Ctrl+C: the answer stops within one token; what was written is kept.
    func stopGeneration() {
        pendingSend = false
        guard isGenerating else { return }
        activity = .stopping
        chat.cancelReply()
        isDirty = true
    }

    /// Loads a model in the background; the session stays, and so does the old model until the
    /// new one is ready. A failure is shown and leaves the app usable.
    func loadModel(_ entry: ModelEntry) {
        stopGeneration()
        loadTask?.cancel()
        loadingModel = entry
        loadFailure = nil
        loadProgress = 0
        activity = .loading(0)
        isDirty = true
        let stream = provider.load(entry)
        loadTask = Task { [weak self] in
            for await event in stream {
                self?.apply(event, for: entry)
            }
        }
    }

    func apply(_ event: LoadEvent, for entry: ModelEntry) {
        guard loadingModel == entry else { return }
        isDirty = true
        switch event {
        case .progress(let fraction):
            loadProgress = min(1, max(0, fraction))
            if !isGenerating { activity = .loading(loadProgress) }
        case .loaded(let loaded):
            backend = loaded
            loadingModel = nil
            contextUsed = 0
            tokensPerSecond = nil
            if !isGenerating { activity = .idle }
            if isCompletion {
                showNotice("\(loaded.info.name) is a base model: plain completion, no roles")
            } else {
                showNotice("\(loaded.info.name) loaded")
            }
            if pendingSend {
                pendingSend = false
                startGeneration()
            }
        case .failed(let reason):
            loadingModel = nil
            loadFailure = reason
            pendingSend = false
            if !isGenerating { activity = model == nil ? .failed : .idle }
            showError("Could not load \(entry.name): \(reason)")
        }
    }
}
