import ArgumentParser
import Foundation
import GLMEngine
import GLMInterpreter
import GLMTerm
import GLMTools

/// `run --tools FILE.json`, `--interpreter`, `--approve`: the answer with the agent loop. The
/// answer's text goes to stdout as it streams; each call, decision and observation is reported on
/// stderr.
extension RunCommand {
    enum ApprovalPolicy: String, ExpressibleByArgument, CaseIterable {
        case ask, all, none
    }

    func answerWithTools(_ question: String, backend: any ChatBackend, out: AnswerOutput) async throws {
        var stderr = StandardError()
        guard ToolPrompts.offersTools(backend.info.kind) else {
            throw GLMError(.badValue, "the base model has no chat format and takes no tools")
        }
        if let warning = ToolPrompts.warning(for: backend.info.kind) { print("glmchat: warning: \(warning)", to: &stderr) }
        let configuration = try ChatConfiguration.load(environment: ProcessInfo.processInfo.environment)
        var extra: [any ToolSource] = []
        if let tools {
            let text = try String(contentsOfFile: tools, encoding: .utf8)
            extra.append(try ToolListFile.parse(text, source: tools).source(name: tools))
        }
        var codeRunner: (any CodeRunner)?
        if interpreter {
            let runner = try InterpreterSetup.runner(settings: configuration.interpreter)
            codeRunner = runner
            print("glmchat: the interpreter's folder (/mnt/data): \(runner.session.folder.path)", to: &stderr)
        }
        let registry = ToolSetup.registry(commandTools: [], mcpServers: [], extra: extra, interpreter: codeRunner)
        for status in await registry.refresh() {
            if let error = status.error { print("glmchat: tools of \(status.name): \(error)", to: &stderr) }
        }
        let approver: any ToolApprover
        switch approve {
        case .all: approver = FixedApprover(.once)
        case .none: approver = FixedApprover(.refuse(reason: "glmchat run --approve none"))
        case .ask: approver = try TerminalApprover.make()
        }
        let systemPrompt = system ?? (tools != nil ? ToolPrompts.toolSystemPrompt : ToolPrompts.interpreterSystemPrompt)
        let chat = ChatSession(store: nil, systemPrompt: systemPrompt, sampling: samplingOptions.settings)
        if tools != nil { chat.setTools(await registry.promptTools) }
        try chat.append(.user, question, model: backend.info)
        let loop = AgentLoop(session: chat, registry: registry, approver: approver,
                             maxToolRounds: configuration.maxToolRounds ?? AgentLoop.defaultMaxToolRounds)
        var failure: String?
        var answers = 0
        for await event in loop.answer(using: backend) {
            switch event {
            case .reply(.metadata(let metadata)):
                out.write(metadata + "\n")
            case .reply(.text(let piece)):
                out.write(piece)
            case .reply(.finished(_, let stats)):
                out.write("\n")
                answers += 1
                if verbose {
                    print(String(format: "answer %d: prompt %d tokens, %.1f tokens/s; generation %d tokens, %.1f tokens/s",
                                 answers, stats.promptTokens, stats.promptTokensPerSecond,
                                 stats.generatedTokens, stats.generationTokensPerSecond), to: &stderr)
                }
            case .callProposed(let call, _):
                print("glmchat: call \(call.tool) " + (call.kind == .interpreter ? "(code)" : call.arguments.pythonDumps()), to: &stderr)
            case .callRefused(let tool, let reason):
                print("glmchat: call \(tool) refused: \(ControlPictures.visible(reason))", to: &stderr)
            case .decided(let call, let decision):
                print("glmchat: \(call.tool): \(Self.describe(decision))", to: &stderr)
            case .observation(let message, let isError):
                print("glmchat: observation\(isError ? " (error)" : ""): \(ControlPictures.visible(message.content))", to: &stderr)
            case .roundLimit(let rounds):
                print("glmchat: stopped after \(rounds) tool rounds (max_tool_rounds)", to: &stderr)
            case .error(let why):
                failure = why
            case .finished(.failed(let why)):
                failure = why
            default:
                break
            }
        }
        await registry.shutdown()
        if let failure { throw GLMError(.badValue, failure) }
    }

    static func describe(_ decision: ApprovalDecision) -> String {
        switch decision {
        case .once: "approved"
        case .always: "approved for the rest of this run"
        case .refuse(let reason): "refused" + (reason.map { " (\($0))" } ?? "")
        case .edited(let value): "approved with edited arguments " + value.pythonDumps()
        case .manual(let text): "answered by hand: " + text
        }
    }
}

/// The interpreter of `run --interpreter` and `tools list`: the config's `[interpreter]` settings and
/// a fresh folder of its own under the temporary directory (a run has no session to keep one with).
enum InterpreterSetup {
    static func runner(settings: InterpreterSettings) throws -> InterpreterRunner {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glmchat-interpreter-\(UUID().uuidString)")
        return try InterpreterRunner.make(settings: settings, folder: folder)
    }
}
