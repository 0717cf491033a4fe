import GLMEngine

extension ChatApp {
    var isGenerating: Bool { generationTask != nil }

    /// Why this window can read sessions but save nothing (its data folder cannot be written).
    var readOnlyReason: String? { store.access == .readOnly ? store.readOnlyReason ?? "the store is read-only" : nil }

    /// Something other than input may change the screen soon: an answer or a model load.
    public var isBusy: Bool { isGenerating || loadingModel != nil }

    /// Saves the user's message (through the session, before anything else happens) and asks for an
    /// answer. The input is cleared only once the message is saved: if it cannot be (the session was
    /// deleted in another window), the text stays and the app says why.
    func send(_ text: String, typed: String? = nil, confirmed: Bool = false) {
        if let readOnlyReason {
            return showError("Cannot send: \(readOnlyReason), so nothing new can be saved (your text is kept)")
        }
        if !confirmed, let question = Question.tooLarge(text, for: model) {
            return ask(question)
        }
        let wasSaved = currentSession != nil
        do {
            try chat.append(.user, withUploadAnnouncements(text), model: answeringModel)
            uploadsAnnounced()
        } catch let error as GLMError where error.kind == .notFound && wasSaved {
            ask(Question.sessionGone(text))
            return
        } catch {
            showError("Could not save the message (your text is kept): \(error)")
            return
        }
        history.record(typed ?? text)
        if editor.text.isByteEqual(to: typed ?? text) { editor.clear() }
        if !wasSaved { reloadSessions() }
        transcript.scrollToBottom()
        startGeneration()
    }

    /// The model that will answer the next message: the one loading, else the one loaded (a new
    /// session is credited to it).
    var answeringModel: ModelInfo? {
        guard let loadingModel else { return model }
        return ModelInfo(name: loadingModel.name, kind: loadingModel.kind, quantization: "",
                         contextWindow: loadingModel.kind.trainedWindow)
    }

    /// Answers the conversation as it stands. While a model loads, the message waits for it (the
    /// model being replaced never answers it); without any model an error says why.
    func startGeneration() {
        if let loadingModel {
            pendingSend = true
            showNotice("\(loadingModel.name) is still loading; the message is sent when it is ready")
            return
        }
        guard let backend else {
            showError("No model loaded\(loadFailure.map { ": \($0)" } ?? "") — F3 chooses one")
            return
        }
        if mode != .chat, !isCompletion {
            return startAgentTurn(using: backend)
        }
        activity = .readingPrompt(0)
        promptEstimate.reset()
        tokensPerSecond = nil
        drafts = nil
        transcript.scrollToBottom()
        let stream = chat.reply(using: backend)
        generationTask = Task { [weak self] in
            await EventBatches.forEach(stream) { events in
                for event in events { self?.apply(event) }
            }
        }
    }

    /// An answer's event. Its text is already in the session (and on its way to disk): the screen
    /// only needs drawing again.
    func apply(_ event: ChatEvent, now: ContinuousClock.Instant = .now) {
        isDirty = true
        switch event {
        case .promptProgress(let done, let total):
            // also mid-answer: an exact slide reads the kept conversation again before the next token
            let secondsLeft = promptEstimate.update(done: done, total: total, now: now)
            if activity != .stopping {
                activity = total >= PromptReadingEstimate.longPrompt
                    ? .readingLongPrompt(done: done, total: total, secondsLeft: secondsLeft)
                    : .readingPrompt(total > 0 ? Double(done) / Double(total) : 1)
            }
        case .text, .metadata:
            if activity != .stopping { activity = .generating }
        case .progress(let progress):
            tokensPerSecond = progress.tokensPerSecond ?? tokensPerSecond
            contextUsed = progress.contextUsed
            if progress.draftedTokens > 0 { drafts = (progress.acceptedTokens, progress.draftedTokens) }
        case .contextSlid(let report):
            let what = report.droppedTurns == 1 ? "the oldest turn" : "the \(report.droppedTurns) oldest turns"
            showNotice("Context full: \(what) (\(report.droppedTokens) tokens) slid out of the model's view; they stay here.")
        case .finished(let reason, let stats):
            if case .failed(let message) = reason { showError("The answer failed: \(message)") }
            if stats.generatedTokens > 0 { tokensPerSecond = stats.measuredTokensPerSecond }
            if stats.draftedTokens > 0 { drafts = (stats.acceptedTokens, stats.draftedTokens) }
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
        if agentRunning { return stopAgent() }
        activity = .stopping
        chat.cancelReply()
        isDirty = true
    }

    /// F3 or "/model NAME": loads the model unless it is the one already loaded (or loading).
    func chooseModel(_ entry: ModelEntry) {
        if loadingModel == entry {
            return showNotice("\(entry.name) is already loading")
        }
        if loadingModel == nil, let model, model.name == entry.name {
            return showNotice("\(entry.name) is already loaded")
        }
        loadModel(entry)
    }

    /// Loads a model in the background; the session stays, and so does the old model until the
    /// new one is ready. A failure is shown and leaves the app usable.
    func loadModel(_ entry: ModelEntry) {
        stopGeneration()
        loadTask?.cancel()
        loadingModel = entry
        loadFailure = nil
        loadWarning = nil
        loadProgress = 0
        activity = .loading(0)
        isDirty = true
        if let current = backend, provider.mustUnload(current, toLoad: entry) {
            backend = nil
            showNotice("\(current.info.name) is let go first: it and \(entry.name) would not both fit in memory")
        }
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
        case .warning(let text):
            loadWarning = text
        case .loaded(let loaded):
            backend = loaded
            loadingModel = nil
            // a session not yet begun samples as the new model's entry says
            if currentSession == nil, messages.isEmpty {
                attempt("apply the model's sampling") { try chat.setSampling(entry.sampling) }
            }
            contextUsed = 0
            tokensPerSecond = nil
            if !isGenerating { activity = .idle }
            if let warning = loadWarning {
                // shown as an error, which a later notice does not cover before the user has read it
                loadWarning = nil
                showError("\(loaded.info.name) loaded. Warning: \(warning)")
            } else if isCompletion {
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
