import ArgumentParser
import Foundation
import GLMEngine
import GLMRemote
import GLMTerm
import GLMTools

/// One prompt in, the answer streamed to stdout: plain text, fine in a pipe.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Answer one prompt (argument or stdin), streaming the answer to stdout.")

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var samplingOptions: SamplingOptions

    @Flag(help: "Chat format (the default) or plain completion for the base model.")
    var mode: PromptMode = .chat

    @Option(help: "A system message (chat format only).")
    var system: String?

    @Flag(help: "Print prompt and generation speed on stderr.")
    var verbose = false

    @Flag(help: "Write the answer's bytes unchanged (by default control characters the model wrote are shown as pictures, never sent to the terminal).")
    var raw = false

    @Argument(help: "The prompt; read from stdin when omitted.")
    var prompt: String?

    @Option(help: "Answer with a model served over the OpenAI API at this address (http://host:port/v1) instead of --model.")
    var remote: String?

    @Option(name: .customLong("remote-model"), help: "The model's name on the --remote server.")
    var remoteModel: String?

    @Option(name: .customLong("api-key-env"), help: "The environment variable holding the --remote server's API key.")
    var apiKeyEnvironment: String?

    @Option(help: "Offer the tools of this JSON file (an OpenAI-style or ChatGLM3-style tool list) and run the calls the model makes.")
    var tools: String?

    @Flag(help: "Let the model run Python in the sandboxed code interpreter (code mode).")
    var interpreter = false

    @Option(help: "How tool calls are approved: ask (on the terminal), all, or none.")
    var approve: ApprovalPolicy = .ask

    func validate() throws {
        if tools == nil, !interpreter, approve != .ask {
            throw ValidationError("--approve goes with --tools or --interpreter")
        }
        if tools != nil || interpreter, mode == .base {
            throw ValidationError("the base model has no chat format and takes no tools")
        }
        if remote != nil {
            guard remoteModel != nil else { throw ValidationError("--remote needs --remote-model NAME") }
            guard modelOptions.model == nil else { throw ValidationError("give --model or --remote, not both") }
        } else {
            guard modelOptions.model != nil else { throw ValidationError("--model PATH (or --remote URL --remote-model NAME) is required") }
            guard remoteModel == nil, apiKeyEnvironment == nil else {
                throw ValidationError("--remote-model and --api-key-env go with --remote")
            }
        }
    }

    enum PromptMode: String, EnumerableFlag {
        case chat, base
    }

    func run() async throws {
        do {
            let text = try promptText()
            let loadStart = Date()
            let backend: any ChatBackend
            var hugePages: String?
            if let remote, let remoteModel {
                let endpoint = RemoteEndpoint(baseURL: remote, model: remoteModel, apiKeyVariable: apiKeyEnvironment)
                backend = try await RemoteChatBackend.connect(endpoint, kind: mode == .base ? .base : .chat,
                                                              apiKey: try endpoint.apiKey(environment: ProcessInfo.processInfo.environment),
                                                              contextWindow: modelOptions.contextSize)
            } else {
                let kindOverride: ModelKind? = mode == .base ? .base : nil
                let loaded = try ModelLoader.load(modelOptions.loadOptions(kind: kindOverride))
                let engine = InferenceEngine(model: loaded.model, tokenizer: loaded.tokenizer, kind: loaded.kind,
                                             contextLimit: loaded.contextLimit, slidePolicy: modelOptions.slide,
                                             readAheadRows: modelOptions.readAhead,
                                             speculation: modelOptions.speculate.speculation())
                // tool rounds grow the prompt as they go: count them as the whole window
                let promptBytes = tools != nil || interpreter ? engine.contextWindow
                    : text.utf8.count + (system?.utf8.count ?? 0)
                let fit = MemoryFit.oneAnswer(model: loaded.model, window: engine.contextWindow, promptBytes: promptBytes,
                                              maxTokens: samplingOptions.maxTokens)
                if let shortfall = fit.shortfall {
                    var stderr = StandardError()
                    print("warning: " + shortfall + " (--ctx-size shortens the window, --max-tokens the answer, "
                          + "--cache-type q8_0 halves the cache)", to: &stderr)
                }
                let name = URL(fileURLWithPath: modelOptions.model ?? "").deletingPathExtension().lastPathComponent
                backend = LocalChatBackend(engine: engine, name: name)
                hugePages = loaded.hugePages?.summary
            }
            let loadSeconds = Date().timeIntervalSince(loadStart)
            guard backend.info.kind.usesChatFormat || system == nil else {
                throw ValidationError("--system needs the chat format; the base model completes plain text")
            }
            let out = AnswerOutput(raw: raw)
            if tools != nil || interpreter {
                try await answerWithTools(text, backend: backend, out: out)
                return
            }
            let chat = ChatSession(store: nil, systemPrompt: system ?? "", sampling: samplingOptions.settings)
            try chat.append(.user, text, model: backend.info)
            var stats = GenerationStats()
            for await event in chat.reply(using: backend) {
                switch event {
                case .text(let piece): out.write(piece)
                case .finished(let reason, let finalStats):
                    stats = finalStats
                    if case .failed(let why) = reason { throw GLMError(.badValue, why) }
                case .promptProgress, .progress, .contextSlid, .metadata:
                    break
                }
            }
            out.write("\n")
            if verbose {
                var stderr = StandardError()
                print(String(format: "load %.2f s; prompt %d tokens, %.1f tokens/s; generation %d tokens, %.1f tokens/s; longest wait for a token %.2f s",
                             loadSeconds, stats.promptTokens, stats.promptTokensPerSecond,
                             stats.generatedTokens, stats.generationTokensPerSecond, stats.longestTokenGapSeconds),
                      to: &stderr)
                if stats.verifyPasses > 0 {
                    print("speculation: \(stats.acceptedTokens) of \(stats.draftedTokens) drafted tokens accepted in \(stats.verifyPasses) passes",
                          to: &stderr)
                }
                if stats.slides > 0 {
                    print("slides \(stats.slides): \(stats.readAheadTokens) kept tokens read ahead, \(stats.rereadTokens) read at the slides",
                          to: &stderr)
                }
                if let hugePages { print("weights in 2 MB pages: " + hugePages, to: &stderr) }
            }
        } catch let error as ValidationError {
            throw error
        } catch {
            exitWithError(error)
        }
    }

    private func promptText() throws -> String {
        if let prompt { return prompt }
        let data = FileHandle.standardInput.readDataToEndOfFile()
        guard let text = String(data: data, encoding: .utf8) else {
            throw GLMError(.badValue, "stdin is not UTF-8 text")
        }
        let trimmed = text.trimmingCharacters(in: .newlines)
        guard !trimmed.isEmpty else { throw GLMError(.badValue, "no prompt: give one as an argument or on stdin") }
        return trimmed
    }
}
