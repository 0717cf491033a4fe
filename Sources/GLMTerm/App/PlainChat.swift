import Foundation
import GLMEngine
import GLMStore
import GLMTools
import Synchronization

/// The chat without a full screen. From a pipe, the whole of stdin is one message and the answer is
/// streamed to stdout as plain text, like `glmchat run`. On a terminal that cannot be addressed
/// (`TERM=dumb`) it is a line-by-line chat: a prompt, one message per line, each answer streamed
/// below it, the session saved like the full-screen one's, with the full app's modes: `/mode code`
/// and `/mode tool` answer through the agent loop, each call asked about as a line (PlainChat+Agent).
/// Progress and errors go to stderr.
public enum PlainChat {
    /// Returns the process exit status: 0 on success, 1 when the model or an answer failed.
    @MainActor
    public static func run(configuration: ChatConfiguration, provider: any ModelProvider, store: GLMStore? = nil,
                           interactive: Bool = false, input: FileHandle = .standardInput,
                           output: FileHandle = .standardOutput, errors: FileHandle = .standardError,
                           extraToolSources: [any ToolSource] = [],
                           environment: [String: String] = ProcessInfo.processInfo.environment) async -> Int32 {
        let chosen = configuration.models.first { $0.name == configuration.initialModel } ?? configuration.models.first
        guard let entry = chosen else {
            errors.write(Data("glmchat: no model configured: add [[models]] to config.toml or pass --model PATH\n".utf8))
            return 1
        }
        if interactive { output.write(Data("glmchat: loading \(entry.name)…\n".utf8)) }
        var loaded: (any ChatBackend)?
        for await event in provider.load(entry) {
            switch event {
            case .progress: break
            case .warning(let text): errors.write(Data("glmchat: \(entry.name): warning: \(text)\n".utf8))
            case .loaded(let backend): loaded = backend
            case .failed(let reason):
                errors.write(Data("glmchat: could not load \(entry.name): \(reason)\n".utf8))
                return 1
            }
        }
        guard let backend = loaded else {
            errors.write(Data("glmchat: loading \(entry.name) ended without a model\n".utf8))
            return 1
        }
        let answer = AnswerOutput(handle: output)
        guard interactive else {
            let text = String(decoding: input.readDataToEndOfFile(), as: UTF8.self)
            guard !text.trimmingSpaces().isEmpty else { return 0 }
            return await send(text, in: ChatSession(store: nil), to: backend, output: answer, errors: errors) ? 0 : 1
        }
        let lines = LineReader(handle: input)
        let chat = ChatSession(store: store)
        var tools: ToolRegistry?
        if !configuration.commandTools.isEmpty || !configuration.mcpServers.isEmpty || !extraToolSources.isEmpty {
            tools = ToolSetup.registry(commandTools: configuration.commandTools, mcpServers: configuration.mcpServers,
                                       extra: extraToolSources)
        }
        // the card is written after the answer that asks (the events are read on this actor)
        let cardTurn = DispatchSemaphore(value: 0)
        let stoppedTurn = Mutex<LineAgent?>(nil)
        let approver = LineApprover(readLine: { lines.next() }, say: { answer.write($0) }, beforeAsking: { cardTurn.wait() },
                                    stopped: { stoppedTurn.withLock { $0?.wasStopped ?? false } })
        let agent = LineAgent(chat: chat, backend: backend, store: store, tools: tools, settings: configuration.interpreter,
                              environment: environment,
                              maxToolRounds: configuration.maxToolRounds ?? AgentLoop.defaultMaxToolRounds,
                              approver: approver, callShown: { cardTurn.signal() })
        stoppedTurn.withLock { $0 = agent }
        let status = await lineByLine(backend, agent: agent, lines: lines, output: answer, errors: errors)
        await agent.close()
        return status
    }

    /// One message per line until end of input or "/quit"; "/mode" switches Chat, Tool and Code.
    /// Ctrl+C stops an answer or a running call (what was written is kept); at the prompt it quits.
    @MainActor
    static func lineByLine(_ backend: any ChatBackend, agent: LineAgent, lines: LineReader,
                           output: AnswerOutput, errors: FileHandle) async -> Int32 {
        let chat = agent.chat
        let interrupt = InterruptWatch(onInterrupt: { if !agent.stopRunningLoop() { chat.cancelReply() } })
        defer { interrupt.stop() }
        let kind = backend.info.kind.usesChatFormat ? "chat" : "base model: plain completion"
        output.write("\(backend.info.name) (\(kind)). Type a message and press Enter; "
                     + "Ctrl+C stops an answer, /quit or Ctrl+D ends"
                     + (backend.info.kind.usesChatFormat ? ", /mode chat|tool|code switches the mode" : "") + ".\n")
        var status: Int32 = 0
        while true {
            output.write("> ")
            interrupt.quitsOnInterrupt = true
            guard let line = lines.next() else { output.write("\n"); break }
            interrupt.quitsOnInterrupt = false
            let text = line.trimmingSpaces()
            if text.isEmpty { continue }
            if text == "/quit" { break }
            if text == "/mode" || text.hasPrefix("/mode ") {
                output.write(await agent.modeCommand(String(text.dropFirst("/mode".count)).trimmingSpaces()) + "\n")
                continue
            }
            output.write("\n")
            if chat.mode != .chat {
                if !(await answerWithAgent(line, agent: agent, output: output, errors: errors)) { status = 1 }
            } else if !(await send(line, in: chat, to: backend, output: output, errors: errors)) {
                status = 1
            }
            output.write("\n")
        }
        return status
    }

    /// Tool or Code mode: the message goes through the session's agent loop.
    @MainActor
    static func answerWithAgent(_ text: String, agent: LineAgent, output: AnswerOutput, errors: FileHandle) async -> Bool {
        do {
            try agent.chat.append(.user, text, model: agent.backend.info)
        } catch {
            errors.write(Data("glmchat: \(error)\n".utf8))
            return false
        }
        return await agent.answer(output: output, errors: errors) ?? false
    }

    /// Sends one message and streams its answer; false when it could not be sent or the answer failed.
    @MainActor
    static func send(_ text: String, in chat: ChatSession, to backend: any ChatBackend, output: AnswerOutput,
                     errors: FileHandle) async -> Bool {
        do {
            try chat.append(.user, text, model: backend.info)
        } catch {
            errors.write(Data("glmchat: \(error)\n".utf8))
            return false
        }
        var succeeded = true
        for await event in chat.reply(using: backend) {
            switch event {
            case .text(let piece): output.write(piece)
            case .finished(.failed(let reason), _):
                errors.write(Data("\nglmchat: the answer failed: \(reason)\n".utf8))
                succeeded = false
            case .finished(.cancelled, _): output.write("\n[stopped]")
            case .finished: output.write("\n")
            case .promptProgress, .progress, .contextSlid, .metadata: break
            }
        }
        return succeeded
    }
}

/// Lines from a file handle, read as they arrive (a terminal delivers one line at a time). The
/// prompt and a call's approval question read from the same one, one at a time.
final class LineReader: @unchecked Sendable {
    let handle: FileHandle
    private let lock = NSLock()
    private var buffer: [UInt8] = []
    private var ended = false

    init(handle: FileHandle) { self.handle = handle }

    /// The next line without its line break; nil at the end of input.
    func next() -> String? {
        lock.withLock { nextLocked() }
    }

    private func nextLocked() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = buffer[..<newline]
                buffer.removeSubrange(...newline)
                return String(decoding: line.last == 0x0D ? line.dropLast() : line, as: UTF8.self)
            }
            if ended {
                guard !buffer.isEmpty else { return nil }
                defer { buffer.removeAll() }
                return String(decoding: buffer, as: UTF8.self)
            }
            let chunk = handle.availableData
            if chunk.isEmpty { ended = true } else { buffer += chunk }
        }
    }
}

/// Ctrl+C (SIGINT) in the line-by-line chat: stops the answer being written, or quits at the prompt.
@MainActor
final class InterruptWatch {
    private let source: DispatchSourceSignal
    private let quitFlag = QuitFlag()

    /// At the prompt Ctrl+C quits; while an answer is written it stops the answer.
    var quitsOnInterrupt: Bool {
        get { quitFlag.value }
        set { quitFlag.value = newValue }
    }

    init(onInterrupt: @escaping @Sendable () -> Void) {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        let quits = quitFlag
        source.setEventHandler {
            if quits.value { exit(130) }
            onInterrupt()
        }
        source.resume()
    }

    func stop() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }

    /// Shared with the signal handler's queue.
    final class QuitFlag: @unchecked Sendable {
        private let lock = NSLock()
        private var flag = false
        var value: Bool {
            get { lock.withLock { flag } }
            set { lock.withLock { flag = newValue } }
        }
    }
}
