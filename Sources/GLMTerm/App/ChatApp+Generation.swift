extension ChatApp {
    var isGenerating: Bool { streamingMessage != nil }

    /// Something other than input may change the screen soon: an answer or a model load.
    public var isBusy: Bool { isGenerating || loadingModel != nil }

    /// Stores the user's message and asks for an answer.
    func send(_ text: String) {
        guard let session = ensureSession(titledAfter: text) else { return }
        guard let stored = attempt("save the message", { try repository.appendMessage(to: session.id, role: .user, text: text, state: .complete) }) else { return }
        messages.append(stored)
        transcript.scrollToBottom()
        startGeneration()
    }

    /// Answers the conversation as it stands. Without a loaded model the message waits for the
    /// one being loaded, or an error says why there is none.
    func startGeneration() {
        guard let model else {
            if let loadingModel {
                pendingSend = true
                showNotice("\(loadingModel.name) is still loading; the message is sent when it is ready")
            } else {
                showError("No model loaded\(loadFailure.map { ": \($0)" } ?? "") — F3 chooses one")
            }
            return
        }
        guard let session = currentSession else { return }
        let request = makeRequest(mode: model.kind.isCompletion ? .completion : .chat)
        guard let answer = attempt("save the answer", { try repository.appendMessage(to: session.id, role: .assistant, text: "", state: .streaming) }) else { return }
        messages.append(answer)
        streamingMessage = answer.id
        activity = .readingPrompt(0)
        tokensPerSecond = nil
        lastPersisted = .now
        transcript.scrollToBottom()
        let stream = service.generate(request)
        generationTask = Task { [weak self] in
            for await event in stream {
                self?.apply(event, to: answer.id)
            }
            self?.finishIfStillStreaming(answer.id)
        }
    }

    /// The system prompt (the latest /system) and the turns since the last /clear.
    func makeRequest(mode: GenerationMode) -> GenerationRequest {
        let system = messages.last { $0.role == .system }?.text
        let start = (messages.lastIndex { $0.role == .contextCleared } ?? -1) + 1
        let turns = messages.dropFirst(start).compactMap { message -> ChatTurn? in
            guard message.role == .user || message.role == .assistant else { return nil }
            if message.role == .assistant, message.text.isEmpty { return nil }
            if case .failed = message.state { return nil }
            return ChatTurn(role: message.role, text: message.text)
        }
        return GenerationRequest(system: system, turns: turns, mode: mode)
    }

    func apply(_ event: GenerationEvent, to id: MessageID) {
        guard streamingMessage == id, let index = messages.lastIndex(where: { $0.id == id }) else { return }
        isDirty = true
        switch event {
        case .promptProgress(let done, let total):
            // also mid-answer: an exact slide reads the kept conversation again before the next token
            if activity != .stopping {
                activity = .readingPrompt(total > 0 ? Double(done) / Double(total) : 1)
            }
        case .text(let piece):
            if activity != .stopping { activity = .generating }
            messages[index].text += piece
            if ContinuousClock.now - lastPersisted > .seconds(1) {
                lastPersisted = .now
                attempt("save the answer") { try repository.updateMessage(id, text: messages[index].text, state: .streaming) }
            }
        case .stats(let stats):
            tokensPerSecond = stats.tokensPerSecond
            contextUsed = stats.contextUsed
        case .contextSlid(let turns, let tokens):
            let what = turns == 1 ? "the oldest turn" : "the \(turns) oldest turns"
            showNotice("Context full: \(what) (\(tokens) tokens) slid out of the model's view; they stay here.")
        case .finished(let reason):
            finish(index: index, reason: reason)
        }
    }

    private func finish(index: Int, reason: FinishReason) {
        let state: MessageState
        switch reason {
        case .complete: state = .complete
        case .stopped: state = .stopped
        case .failed(let message):
            state = .failed(message)
            showError("The answer failed: \(message)")
        }
        messages[index].state = state
        let message = messages[index]
        attempt("save the answer") { try repository.updateMessage(message.id, text: message.text, state: state) }
        streamingMessage = nil
        generationTask = nil
        activity = loadingModel != nil ? .loading(loadProgress) : (model == nil ? .failed : .idle)
        reloadSessions()
    }

    /// A stream that ended without `finished` (it should not) still leaves a usable app.
    private func finishIfStillStreaming(_ id: MessageID) {
        guard streamingMessage == id, let index = messages.lastIndex(where: { $0.id == id }) else { return }
        finish(index: index, reason: .stopped)
    }

    /// Esc / Ctrl+C: the engine stops within one token and its stream ends with `.stopped`.
    func stopGeneration() {
        pendingSend = false
        guard isGenerating else { return }
        activity = .stopping
        service.cancelGeneration()
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
        let stream = service.loadModel(entry)
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
            model = loaded
            loadingModel = nil
            contextUsed = 0
            tokensPerSecond = nil
            if !isGenerating { activity = .idle }
            if loaded.kind.isCompletion {
                showNotice("\(loaded.name) is a base model: plain completion, no roles")
            } else {
                showNotice("\(loaded.name) loaded")
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
