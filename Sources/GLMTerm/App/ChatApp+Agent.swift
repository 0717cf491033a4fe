import GLMEngine
import GLMTools

/// A call waiting for the user: its card is in the transcript, its keys in the input's border.
struct PendingApproval {
    enum Stage: Equatable {
        /// y, a, n, e, m.
        case choosing
        /// `e`: the arguments (JSON) or the code are in the input; Enter runs them.
        case editing
        /// `m`: the user types the result; Enter sends it as the observation.
        case typingResult
    }

    var call: ProposedCall
    var stage = Stage.choosing
    let reply: ApprovalReply
    /// What the input held before the card took it over (given back afterwards).
    var draft: String
}

/// The agent's turns in the app: in Tool and Code mode a question goes to the session's
/// `AgentLoop`, which streams the answer, puts each call before the user (ChatApp+Approval), runs
/// it with a spinner, adds the result and lets the model continue. Esc stops it at any step.
extension ChatApp {
    /// The session's tool loop (made on first use; it remembers "always" for this session only).
    func agentLoop() -> AgentLoop {
        if let agent, agent.session === chat { return agent }
        let registry = toolRegistry ?? ToolRegistry(sources: [])
        let made = AgentLoop(session: chat, registry: registry, approver: makeApprover(), maxToolRounds: maxToolRounds)
        agent = made
        return made
    }

    /// Puts each call before the user as a card (ChatApp+Approval).
    func makeApprover() -> AppApprover {
        AppApprover { [weak self] call, reply in
            Task { @MainActor in
                guard let self else {
                    reply.resolve(.refuse(reason: "the app closed"))
                    return
                }
                self.askApproval(call, reply)
            }
        }
    }

    /// Answers with tools (Tool mode) or the code interpreter (Code mode): the same start as a
    /// plain answer, through the loop.
    func startAgentTurn(using backend: any ChatBackend) {
        activity = .readingPrompt(0)
        tokensPerSecond = nil
        agentRunning = true
        transcript.scrollToBottom()
        if mode == .code {
            generationTask = Task { [weak self] in
                // the sandbox is found and made off the main actor the first time
                guard let loop = await self?.codeLoop() else {
                    self?.apply(agent: .finished(.failed("the session is not saved")))
                    return
                }
                guard let self, self.activity != .stopping else {
                    self?.apply(agent: .finished(.cancelled))
                    return
                }
                await self.answer(with: loop, using: backend)
            }
            return
        }
        let loop = agentLoop()
        let registry = loop.registry
        let offered = Set(toolNames(in: chat.tools).map { ExactText($0) })
        generationTask = Task { [weak self] in
            // the registry runs only what this session offers
            for tool in await registry.allTools {
                await registry.setEnabled(tool.name, offered.contains(ExactText(tool.name)))
            }
            await self?.answer(with: loop, using: backend)
        }
    }

    private func answer(with loop: AgentLoop, using backend: any ChatBackend) async {
        runningLoop = loop
        let stream = loop.answer(using: backend)
        await EventBatches.forEach(stream) { events in
            for event in events { apply(agent: event) }
        }
    }

    func apply(agent event: AgentEvent) {
        isDirty = true
        // the card may be up before the answer's last queued events arrive: it keeps the status
        defer { if approval != nil, activity != .stopping { activity = .waitingForApproval } }
        switch event {
        case .answerStarted:
            if activity != .stopping { activity = .readingPrompt(0) }
        case .reply(let reply):
            if case .finished(let reason, let stats) = reply {
                noteAnswerEnd(reason, stats)
            } else {
                apply(reply)
            }
        case .messagesReplaced:
            break
        case .callProposed(let call, let approval):
            switch approval {
            case .asking: break
            case .automatic: showNotice("\(call.tool) runs without asking (auto = true in config.toml)")
            case .alwaysForThisTool: showNotice("\(call.tool) runs: you allowed it always in this session")
            }
        case .callRefused(let tool, let reason):
            showNotice("The call of \(tool) was not run: \(reason) (the model was told)")
        case .decided:
            clearApproval()
        case .running(let call):
            runningCall = call
            if activity != .stopping { activity = .runningTool(call.kind == .interpreter ? "python" : call.tool, frame: 0) }
        case .filesWritten:
            break   // kept with the result message (`Message.files`), named on its card
        case .observation(_, let isError):
            let wasCode = runningCall?.kind == .interpreter
            runningCall = nil
            if isError {
                if !wasCode {
                    showNotice("The tool reported an error; the model was told")
                } else if codeInterpreter?.problem != nil {
                    showNotice("The code could not run here (no sandbox); the model was told")
                } else {
                    showNotice("The code did not finish cleanly; the model sees what happened")
                }
            }
            if activity != .stopping { activity = .readingPrompt(0) }
        case .roundLimit(let rounds):
            showNotice("Stopped after \(rounds) tool calls for one question (max_tool_rounds in config.toml)")
        case .error(let message):
            showError(message)
        case .finished(let outcome):
            clearApproval()
            runningCall = nil
            runningLoop = nil
            agentRunning = false
            generationTask = nil
            activity = loadingModel != nil ? .loading(loadProgress) : (model == nil ? .failed : .idle)
            if case .failed(let message) = outcome { showError("The answer failed: \(message)") }
            if case .cancelled = outcome { showNotice("Stopped; everything written so far is kept") }
            reloadSessions()
        }
    }

    /// The end of one answer inside the loop: its stats, not the end of the turn.
    private func noteAnswerEnd(_ reason: FinishReason, _ stats: GenerationStats) {
        if case .failed(let message) = reason { showError("The answer failed: \(message)") }
        if stats.generatedTokens > 0 { tokensPerSecond = stats.measuredTokensPerSecond }
        if stats.contextUsed > 0 { contextUsed = stats.contextUsed }
    }

    /// Esc: stops the loop wherever it is; a card waiting for a key is answered "no".
    func stopAgent() {
        activity = .stopping
        runningLoop?.cancel()
        approval?.reply.resolve(.refuse(reason: "stopped by the user"))
        clearApproval()
    }

    /// Called by the spinner's clock (each step of the main loop): the running tool's frame.
    public func tick() {
        if case .runningTool(let name, let frame) = activity {
            activity = .runningTool(name, frame: frame + 1)
            isDirty = true
        }
    }
}
