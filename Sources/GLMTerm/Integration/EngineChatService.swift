import Foundation
import GLMEngine

/// The app's `ChatService` over the real engine: models load on a background thread with progress,
/// each loaded model gets an `InferenceEngine` actor (which keeps its KV cache and token ledger across
/// turns), and answers stream as text with the reply's metadata line split off.
@MainActor
public final class EngineChatService: ChatService {
    private var engine: InferenceEngine?
    private var loadedKind: GLMEngine.ModelKind = .chat
    /// The loaded model's name and kind (what answers and new sessions are credited to).
    public private(set) var modelName = ""
    public var modelKind: String { loadedKind.rawValue }
    private var loading: Task<Void, Never>?
    private let threads: Int?
    private let sampling: SamplingParameters
    private let maxTokens: Int

    /// How the engines of models loaded from now on slide a full window.
    public var slidePolicy: SlidePolicy
    /// `--ctx-size`: the window of models loaded from now on, over each entry's `ctx_size`.
    public var contextSize: Int?

    public init(threads: Int? = nil, sampling: SamplingParameters = SamplingParameters(), maxTokens: Int = 2048,
                slidePolicy: SlidePolicy = .exact) {
        self.threads = threads
        self.slidePolicy = slidePolicy
        self.sampling = sampling
        self.maxTokens = maxTokens
    }

    public func loadModel(_ model: ModelEntry) -> AsyncStream<LoadEvent> {
        let (stream, continuation) = AsyncStream<LoadEvent>.makeStream()
        let kind = GLMEngine.ModelKind(rawValue: model.kind.rawValue) ?? .chat
        let options = ModelLoadOptions(path: model.path, threads: threads, contextLimit: contextSize ?? model.contextSize,
                                       kind: kind)
        loading?.cancel()
        loading = Task { @MainActor [weak self] in
            // Loading maps and converts gigabytes: it runs off the main thread, reporting progress back.
            let result = await Task.detached(priority: .userInitiated) { () -> Result<LoadedModelBox, Error> in
                Result {
                    LoadedModelBox(try ModelLoader.load(options) { fraction in continuation.yield(.progress(fraction)) })
                }
            }.value
            switch result {
            case .success(let box):
                let loaded = box.model
                let engine = InferenceEngine(model: loaded.model, tokenizer: loaded.tokenizer, kind: loaded.kind,
                                             contextLimit: loaded.contextLimit, slidePolicy: self?.slidePolicy ?? .exact)
                self?.engine = engine
                self?.loadedKind = loaded.kind
                self?.modelName = model.name
                continuation.yield(.loaded(LoadedModel(name: model.name, kind: model.kind,
                                                       quantization: loaded.model.weights.matrixType.rawValue.uppercased(),
                                                       contextWindow: loaded.contextLimit)))
            case .failure(let error):
                continuation.yield(.failed("\(error)"))
            }
            continuation.finish()
        }
        return stream
    }

    public func generate(_ request: GenerationRequest) -> AsyncStream<GenerationEvent> {
        let (stream, continuation) = AsyncStream<GenerationEvent>.makeStream()
        guard let engine else {
            continuation.yield(.finished(.failed("no model is loaded")))
            continuation.finish()
            return stream
        }
        let chat = request.mode == .chat
        let prompt = Self.prompt(for: request, tokenizer: engine.tokenizer)
        let engineRequest = GLMEngine.GenerationRequest(prompt: prompt.tokens, sampling: sampling, maxTokens: maxTokens,
                                                        stopTokens: engine.defaultStopTokens(), layout: prompt.layout,
                                                        promptMaySlide: true)
        let task = Task { @MainActor in
            var splitter = ReplySplitter()
            var lastStats = Date.distantPast
            var generated = 0
            let start = Date()
            do {
                for try await event in engine.generate(engineRequest) {
                    switch event {
                    case .promptProgress(let done, let total):
                        continuation.yield(.promptProgress(done: done, total: total))
                    case .token(let token):
                        generated += 1
                        let text = chat ? splitter.feed(token.text) : token.text
                        if !text.isEmpty { continuation.yield(.text(text)) }
                        if Date().timeIntervalSince(lastStats) > 0.25 {
                            lastStats = Date()
                            let rate = Double(generated) / max(Date().timeIntervalSince(start), 1e-3)
                            // Never ask the actor here: it is busy generating until the answer ends.
                            continuation.yield(.stats(GenerationStats(tokensPerSecond: rate, contextUsed: token.contextUsed,
                                                                      contextWindow: engine.contextWindow)))
                        }
                    case .text(let text):
                        let shown = chat ? splitter.feed(text) : text
                        if !shown.isEmpty { continuation.yield(.text(shown)) }
                    case .contextSlid(let report):
                        continuation.yield(.contextSlid(droppedTurns: report.droppedTurns, droppedTokens: report.droppedTokens))
                    case .finished(let reason, let stats):
                        if chat {
                            let rest = splitter.finish()
                            if !rest.isEmpty { continuation.yield(.text(rest)) }
                        }
                        continuation.yield(.stats(GenerationStats(tokensPerSecond: stats.generationTokensPerSecond,
                                                                  contextUsed: stats.contextUsed,
                                                                  contextWindow: stats.contextWindow)))
                        continuation.yield(.finished(reason == .cancelled ? .stopped : .complete))
                    }
                }
            } catch {
                continuation.yield(.finished(.failed("\(error)")))
            }
            continuation.finish()
        }
        // Ending the task ends its iteration of the engine's stream, which stops that request only.
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    public func cancelGeneration() {
        engine?.cancel()
    }

    /// The app's turns as the model's prompt: chat format with roles, or plain text for a base model.
    static func prompt(for request: GenerationRequest, tokenizer: Tokenizer) -> ChatPrompt {
        if request.mode == .completion {
            return ChatPrompt.plain(tokenizer, text: request.turns.map(\.text).joined())
        }
        var messages: [GLMEngine.ChatMessage] = []
        if let system = request.system, !system.isEmpty {
            messages.append(GLMEngine.ChatMessage(role: .system, content: system))
        }
        for turn in request.turns {
            switch turn.role {
            case .user: messages.append(GLMEngine.ChatMessage(role: .user, content: turn.text))
            case .assistant: messages.append(GLMEngine.ChatMessage(role: .assistant, content: turn.text))
            case .system: messages.append(GLMEngine.ChatMessage(role: .system, content: turn.text))
            case .contextCleared: messages.removeAll { $0.role != .system }
            }
        }
        guard let next = messages.popLast() else {
            return ChatPrompt.chat(tokenizer, history: [], next: GLMEngine.ChatMessage(role: .user, content: ""))
        }
        return ChatPrompt.chat(tokenizer, history: messages, next: next)
    }
}

/// Carries a loaded model out of the loading task (its parts are immutable or engine-owned).
private struct LoadedModelBox: @unchecked Sendable {
    let model: GLMEngine.LoadedModel
    init(_ model: GLMEngine.LoadedModel) { self.model = model }
}
