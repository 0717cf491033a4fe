import Foundation
import GLMEngine
import GLMInterpreter
import GLMStore
import GLMTools
import Synchronization

/// Tool and Code mode in the line-by-line chat (TERM=dumb), as the full app has them: `/mode
/// chat|tool|code` switches the session's mode (kept with it, the system prompt as in the app);
/// in Tool or Code mode a message goes through the session's `AgentLoop`, the loop the full app
/// runs. Each call is shown and asked about as a line (`LineApprover`: y, a, n, e, m), runs, and
/// its result is printed with the files its code wrote; then the model goes on.
@MainActor
final class LineAgent {
    let chat: ChatSession
    let backend: any ChatBackend
    let store: GLMStore?
    let settings: InterpreterSettings
    let environment: [String: String]
    let maxToolRounds: Int
    let approver: LineApprover
    /// Called when the answer before a call that asks has been written (the card comes next).
    private let callShown: @Sendable () -> Void
    /// The tools of config.toml (and the demo's), listed on the first `/mode tool`.
    private let tools: ToolRegistry?
    private var toolsListed = false
    private var toolLoop: AgentLoop?
    /// The session's sandboxed Python, made on the first code turn, ended by `close()`.
    private var interpreter: CodeInterpreter?
    /// The loop answering now, for Ctrl+C (read from the signal's queue), and whether Ctrl+C
    /// stopped it (a question waiting for its line then ends with that line).
    let running = Mutex<(loop: AgentLoop?, stopped: Bool)>((nil, false))

    init(chat: ChatSession, backend: any ChatBackend, store: GLMStore?, tools: ToolRegistry?,
         settings: InterpreterSettings, environment: [String: String], maxToolRounds: Int, approver: LineApprover,
         callShown: @escaping @Sendable () -> Void = {}) {
        self.callShown = callShown
        self.chat = chat
        self.backend = backend
        self.store = store
        self.tools = tools
        self.settings = settings
        self.environment = environment
        self.maxToolRounds = maxToolRounds
        self.approver = approver
    }

    /// "/mode NAME", or "/mode" alone: the line that says what is in force.
    func modeCommand(_ argument: String) async -> String {
        guard !argument.isEmpty else { return "Mode: \(chat.mode.title) — /mode chat|tool|code switches" }
        guard let wanted = SessionMode(name: argument) else { return "No mode named \(argument): chat, tool or code" }
        if wanted != .chat, !backend.info.kind.usesChatFormat {
            return "\(backend.info.name) is a base model: it has no chat format, so no tools"
        }
        if wanted == .code, store == nil { return "Code mode needs the session store (the code's folder is the session's)" }
        var offered: JSONValue?
        if wanted == .tool, let tools {
            if !toolsListed {
                toolsListed = true
                for status in await tools.refresh() {
                    if let error = status.error { return "The tools of \(status.name) could not be listed: \(error)" }
                }
            }
            offered = await tools.promptTools
        }
        do {
            try chat.setMode(wanted, tools: offered, model: backend.info)
        } catch {
            return "Could not switch the mode: \(error)"
        }
        var text = "Mode: \(wanted.title)"
        switch wanted {
        case .chat: text += " — no tools"
        case .tool:
            let names = (offered?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
            text += names.isEmpty ? " — no tools are configured ([[tools]] or [[mcp_servers]] in config.toml)"
                : " — tools: " + names.joined(separator: ", ")
        case .code:
            if InterpreterAvailability.bubblewrapProblem(settings, environment: environment) != nil {
                text += " — code cannot run here: bubblewrap is missing (sudo apt install bubblewrap)"
            } else {
                text += " — the model can run Python in a sandbox; every block asks first"
            }
        }
        if wanted != .chat, backend.info.kind == .chat32k { text += ". Note: the 32K model was not trained for tools" }
        return text
    }

    /// The loop of the session's mode (nil in Chat mode).
    private func loop() async -> AgentLoop? {
        switch chat.mode {
        case .chat:
            return nil
        case .tool:
            if let toolLoop { return toolLoop }
            let made = AgentLoop(session: chat, registry: tools ?? ToolRegistry(sources: []), approver: approver,
                                 maxToolRounds: maxToolRounds)
            toolLoop = made
            return made
        case .code:
            guard let store, let id = chat.session?.id else { return nil }
            if let interpreter, let loop = interpreter.loop { return loop }
            var made = await CodeInterpreter.make(for: id, settings: settings, environment: environment,
                                                  dataDirectory: store.dataDirectory)
            made.loop = AgentLoop(session: chat, registry: ToolRegistry(sources: [], interpreter: made.runner),
                                  approver: approver, maxToolRounds: maxToolRounds)
            interpreter = made
            return made.loop
        }
    }

    /// Answers the message just added through the mode's loop; nil in Chat mode (the caller
    /// answers plainly). False when the answer failed.
    func answer(output: AnswerOutput, errors: FileHandle) async -> Bool? {
        guard let loop = await loop() else { return nil }
        running.withLock { $0 = (loop, false) }
        defer { running.withLock { $0 = (nil, false) } }
        var succeeded = true
        var showsCall = false
        for await event in loop.answer(using: backend) {
            switch event {
            case .answerStarted:
                showsCall = false
            case .reply(.metadata(let metadata)) where !metadata.isEmpty:
                showsCall = true
                output.write(metadata.isByteEqual(to: AgentLoop.interpreterMetadata) ? "[writes code]" : "[calls \(metadata)]")
            case .reply(.text(let piece)):
                if !showsCall { output.write(piece) }
            case .reply(.finished(.failed(let reason), _)):
                showsCall = false
                errors.write(Data("\nglmchat: the answer failed: \(reason)\n".utf8))
                succeeded = false
            case .reply(.finished):
                // the next answer (after the result) is shown again
                showsCall = false
                output.write("\n")
            case .callProposed(_, .asking):
                callShown()
            case .callProposed(let call, .automatic):
                output.write("\(call.tool) runs without asking (auto = true in config.toml)\n")
            case .callProposed(let call, .alwaysForThisTool):
                output.write(LineApprover.card(call) + "\(call.tool) runs: you allowed it always in this session\n")
            case .callRefused(let tool, let reason):
                output.write("The call of \(tool) was not run: \(reason) (the model was told)\n")
            case .running(let call):
                output.write("running \(call.kind == .interpreter ? "python" : call.tool)… (Ctrl+C stops it)\n")
            case .observation(let message, let isError):
                output.write(Self.resultText(message, isError: isError))
            case .roundLimit(let rounds):
                output.write("Stopped after \(rounds) tool calls for one question (max_tool_rounds in config.toml)\n")
            case .error(let message):
                errors.write(Data("glmchat: \(message)\n".utf8))
            case .finished(.failed(let message)):
                errors.write(Data("glmchat: the answer failed: \(message)\n".utf8))
                succeeded = false
            case .finished(.cancelled):
                output.write("\n[stopped; everything written so far is kept]\n")
            default:
                break
            }
        }
        return succeeded
    }

    /// A result as the full app's card has it: the lines of the result block (JSON pretty-printed),
    /// then the files the block wrote and those it names.
    static func resultText(_ message: Message, isError: Bool) -> String {
        var text = "── result\(isError ? " (error)" : "") ──\n"
        text += ToolCards.resultLines(message.content).joined(separator: "\n") + "\n"
        for figure in ToolCards.figuresNamed(by: message) {
            text += "▣ figure: \(figure)\n"
        }
        return text + "──\n"
    }

    /// Ctrl+C while a turn runs: stops the loop (the running block, the answer); false when none runs.
    nonisolated func stopRunningLoop() -> Bool {
        let loop = running.withLock { state -> AgentLoop? in
            if state.loop != nil { state.stopped = true }
            return state.loop
        }
        guard let loop else { return false }
        loop.cancel()
        return true
    }

    /// Whether Ctrl+C stopped the running turn (a question waiting for a line then ends with it).
    nonisolated var wasStopped: Bool { running.withLock { $0.stopped } }

    /// Ends the session's Python and the tools' processes.
    func close() async {
        interpreter?.shutdown()
        interpreter = nil
        await tools?.shutdown()
    }
}
