import GLMConversation
import GLMEngine
import GLMInterpreter

extension AgentLoop {
    /// The metadata of a code-interpreter segment.
    public static let interpreterMetadata = "interpreter"

    /// The loop: answer, read the call, decide, run, observe, answer again.
    func run(backend: any ChatBackend, maxTokens: Int?, emit: @escaping @Sendable (AgentEvent) -> Void) async -> AgentOutcome {
        var rounds = 0
        while true {
            let finished = await streamAnswer(backend: backend, maxTokens: maxTokens, emit: emit)
            switch finished {
            case .failed(let why): return .failed(why)
            case .cancelled: return .cancelled
            case .none: return Task.isCancelled ? .cancelled : .failed("the answer did not start")
            default: break
            }
            guard let answer = session.messages.last, answer.role == .assistant else { return .answered }
            let segments = ToolCallParser.segments(metadata: answer.metadata, content: answer.content)
            var callMessage = answer
            do {
                if let stored = try splitIfNeeded(answer, into: segments, model: backend.info.name, emit: emit) {
                    callMessage = stored
                }
            } catch {
                emit(.error("\(error)"))
                return .failed("\(error)")
            }
            guard let last = segments.last, last.hasMetadata else { return .answered }
            if rounds >= maxToolRounds {
                emit(.roundLimit(rounds: rounds))
                return .roundLimit
            }
            rounds += 1
            do {
                try await handleCall(last, message: callMessage, round: rounds, model: backend.info.name, emit: emit)
            } catch is CancellationError {
                return .cancelled
            } catch {
                emit(.error("\(error)"))
                return .failed("\(error)")
            }
            if Task.isCancelled { return .cancelled }
        }
    }

    /// Streams one answer through the session; nil when it could not start.
    private func streamAnswer(backend: any ChatBackend, maxTokens: Int?,
                              emit: @escaping @Sendable (AgentEvent) -> Void) async -> FinishReason? {
        if Task.isCancelled { return .cancelled }
        let stream = session.reply(using: backend, maxTokens: maxTokens)
        if let id = session.streamingMessage { emit(.answerStarted(id)) }
        let session = self.session
        return await withTaskCancellationHandler {
            var reason: FinishReason?
            for await event in stream {
                emit(.reply(event))
                if case .finished(let how, _) = event { reason = how }
            }
            return reason
        } onCancel: {
            session.cancelReply()
        }
    }

    /// A reply of several segments becomes one assistant message per segment, as the original
    /// keeps its history; returns the message of the last segment (nil when nothing changed).
    private func splitIfNeeded(_ answer: Message, into segments: [ReplySegment], model: String,
                               emit: @Sendable (AgentEvent) -> Void) throws -> Message? {
        guard segments.count > 1 else { return nil }
        let replacements = segments.map { NewMessage(role: .assistant, content: $0.content, metadata: $0.metadata, model: model) }
        let stored = try session.replaceAnswer(answer.id, with: replacements)
        emit(.messagesReplaced(removed: answer.id, by: stored))
        return stored.last
    }

    /// One call: read it, check it, ask, run it, and add the observation.
    private func handleCall(_ segment: ReplySegment, message: Message, round: Int, model: String,
                            emit: @escaping @Sendable (AgentEvent) -> Void) async throws {
        let proposal: ProposedCall
        let automatic: Bool
        do {
            let readCall = try await read(segment, message: message, round: round)
            proposal = readCall.0
            automatic = readCall.1
        } catch let refusal as ToolRefusal {
            emit(.callRefused(tool: segment.metadata, reason: refusal.reason))
            try observe(Observation.error(refusal.reason), isError: true, emit: emit)
            return
        }
        let source: ApprovalSource = automatic ? .automatic : isAlwaysAllowed(proposal.tool) ? .alwaysForThisTool : .asking
        emit(.callProposed(proposal, approval: source))
        let decision = source == .asking ? await approver.decide(proposal) : .once
        try Task.checkCancellation()
        emit(.decided(proposal, decision))
        var call = proposal
        switch decision {
        case .once:
            break
        case .always:
            allowAlways(proposal.tool)
        case .refuse(let reason):
            let text = "the user did not allow this call" + (reason.map { ": " + $0 } ?? "")
            try observe(Observation.error(text), isError: true, emit: emit)
            return
        case .manual(let text):
            try observe(text, isError: false, emit: emit)
            return
        case .edited(let value):
            do {
                call = try await applyEdit(value, to: proposal, model: model, emit: emit)
            } catch let refusal as ToolRefusal {
                emit(.callRefused(tool: proposal.tool, reason: refusal.reason))
                try observe(Observation.error(refusal.reason), isError: true, emit: emit)
                return
            }
        }
        emit(.running(call))
        let result = try await execute(call)
        try Task.checkCancellation()
        if !result.files.isEmpty { emit(.filesWritten(result.files)) }
        try observe(call.kind == .interpreter || !result.isError ? result.text : Observation.error(result.text),
                    isError: result.isError, files: result.files, emit: emit)
    }

    /// The proposal for a segment, and whether it may run without asking; a refusal when it cannot run.
    private func read(_ segment: ReplySegment, message: Message, round: Int) async throws -> (ProposedCall, Bool) {
        if segment.metadata.isByteEqual(to: Self.interpreterMetadata) {
            guard registry.interpreter != nil else {
                throw ToolRefusal("the code interpreter is not available in this session")
            }
            guard let code = InterpreterCode.lastBlock(in: segment.content) else {
                throw ToolRefusal("the interpreter needs a fenced ```python block; none was found")
            }
            return (ProposedCall(kind: .interpreter, tool: segment.metadata, arguments: .object([]), code: code,
                                 messageID: message.id, round: round), false)
        }
        let parsed: ToolCall
        do {
            parsed = try ToolCallParser.parseCall(name: segment.metadata, content: segment.content)
        } catch {
            throw ToolRefusal("the call was not run: \(error)")
        }
        let (definition, source) = try await registry.check(parsed)
        return (ProposedCall(kind: .tool, tool: parsed.name, arguments: parsed.arguments, source: source,
                             messageID: message.id, round: round), definition.runsWithoutApproval)
    }

    /// The call with the user's edit, checked again, and the stored call rewritten to match.
    private func applyEdit(_ value: JSONValue, to proposal: ProposedCall, model: String,
                           emit: @Sendable (AgentEvent) -> Void) async throws -> ProposedCall {
        var call = proposal
        let content: String
        switch proposal.kind {
        case .interpreter:
            guard case .string(let code) = value else { throw ToolRefusal("the edited code must be text") }
            call.code = code
            content = "```python\n" + code + "\n```"
        case .tool:
            _ = try await registry.check(ToolCall(name: proposal.tool, arguments: value))
            call.arguments = value
            content = ToolCallFormatter.content(arguments: value)
        }
        let stored = try session.replaceAnswer(proposal.messageID, with: [
            NewMessage(role: .assistant, content: content, metadata: proposal.tool, model: model),
        ])
        emit(.messagesReplaced(removed: proposal.messageID, by: stored))
        if let id = stored.last?.id { call.messageID = id }
        return call
    }

    /// Runs a call; cancelling the task stops it.
    private func execute(_ call: ProposedCall) async throws -> ToolResult {
        switch call.kind {
        case .interpreter:
            guard let interpreter = registry.interpreter else {
                return ToolResult(text: "the code interpreter is not available", isError: true)
            }
            return try await withTaskCancellationHandler {
                do {
                    return try await interpreter.run(code: call.code)
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    if Task.isCancelled { throw CancellationError() }
                    return ToolResult(text: Observation.interpreterFailure("\(error)"), isError: true)
                }
            } onCancel: {
                Task { await interpreter.cancel() }
            }
        case .tool:
            return try await registry.call(call.tool, arguments: call.arguments)
        }
    }

    /// Adds the observation; `files` (what a code block wrote) are kept with it, outside the prompt.
    private func observe(_ text: String, isError: Bool, files: [String] = [],
                         emit: @Sendable (AgentEvent) -> Void) throws {
        let message = try session.append(.observation, text, files: files)
        emit(.observation(message, isError: isError))
    }
}

/// The text of observations the loop writes itself.
public enum Observation {
    /// An error or refusal as the model gets it: `{"error": "..."}`.
    public static func error(_ message: String) -> String {
        JSONValue.object([("error", .string(message))]).pythonDumps()
    }

    /// An interpreter that could not run a block, in the interpreter's result form.
    public static func interpreterFailure(_ message: String) -> String {
        "```result\n" + message + "\n```"
    }
}
