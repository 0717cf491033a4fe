import ArgumentParser
import Foundation
import GLMEngine

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

    @Argument(help: "The prompt; read from stdin when omitted.")
    var prompt: String?

    enum PromptMode: String, EnumerableFlag {
        case chat, base
    }

    func run() async throws {
        do {
            let text = try promptText()
            let kindOverride: ModelKind? = mode == .base ? .base : nil
            let loadStart = Date()
            let loaded = try ModelLoader.load(modelOptions.loadOptions(kind: kindOverride))
            let engine = InferenceEngine(model: loaded.model, tokenizer: loaded.tokenizer, kind: loaded.kind,
                                         contextLimit: loaded.contextLimit, slidePolicy: modelOptions.slide,
                                         readAheadRows: modelOptions.readAhead)
            let loadSeconds = Date().timeIntervalSince(loadStart)
            let prompt: ChatPrompt
            if loaded.kind.usesChatFormat {
                var history: [ChatMessage] = []
                if let system { history.append(ChatMessage(role: .system, content: system)) }
                prompt = ChatPrompt.chat(loaded.tokenizer, history: history, next: ChatMessage(role: .user, content: text))
            } else {
                guard system == nil else { throw ValidationError("--system needs the chat format; the base model completes plain text") }
                prompt = ChatPrompt.plain(loaded.tokenizer, text: text)
            }
            let request = GenerationRequest(prompt: prompt.tokens, sampling: samplingOptions.parameters,
                                            maxTokens: samplingOptions.maxTokens, stopTokens: engine.defaultStopTokens(),
                                            layout: prompt.layout)
            var splitter = ReplySplitter()
            let chat = loaded.kind.usesChatFormat
            let out = FileHandle.standardOutput
            var stats = GenerationStats()
            for try await event in engine.generate(request) {
                switch event {
                case .token(let token):
                    let shown = chat ? splitter.feed(token.text) : token.text
                    if !shown.isEmpty { out.write(Data(shown.utf8)) }
                case .text(let piece):
                    let shown = chat ? splitter.feed(piece) : piece
                    if !shown.isEmpty { out.write(Data(shown.utf8)) }
                case .finished(_, let finalStats):
                    stats = finalStats
                case .promptProgress, .contextSlid:
                    break
                }
            }
            if chat {
                let rest = splitter.finish()
                if !rest.isEmpty { out.write(Data(rest.utf8)) }
            }
            out.write(Data("\n".utf8))
            if verbose {
                var stderr = StandardError()
                print(String(format: "load %.2f s; prompt %d tokens, %.1f tokens/s; generation %d tokens, %.1f tokens/s; longest wait for a token %.2f s",
                             loadSeconds, stats.promptTokens, stats.promptTokensPerSecond,
                             stats.generatedTokens, stats.generationTokensPerSecond, stats.longestTokenGapSeconds),
                      to: &stderr)
                if stats.slides > 0 {
                    print("slides \(stats.slides): \(stats.readAheadTokens) kept tokens read ahead, \(stats.rereadTokens) read at the slides",
                          to: &stderr)
                }
                if let hugePages = loaded.hugePages { print("weights in 2 MB pages: " + hugePages.summary, to: &stderr) }
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
