import Foundation

/// The local engine as a `ChatBackend`: it builds the prompt (tokenizing only new messages), lets the
/// engine reuse the cached prefix (its ledger), stops at the model's stop ids, and splits a chat reply
/// into its metadata line and content.
public actor LocalChatBackend: ChatBackend {
    public nonisolated let engine: InferenceEngine
    public nonisolated let info: ModelInfo
    private let builder: PromptBuilder

    public init(engine: InferenceEngine, name: String) {
        self.engine = engine
        info = ModelInfo(name: name, kind: engine.kind, quantization: engine.matrixType.rawValue.uppercased(),
                         contextWindow: engine.contextWindow)
        builder = PromptBuilder(tokenizer: engine.tokenizer, kind: engine.kind)
    }

    public nonisolated var stopTokenIDs: [Int32] { engine.defaultStopTokens().sorted() }

    /// The prompt this backend would read for `conversation` (`tokenize`, tests, the server's /tokenize).
    public func prompt(for conversation: Conversation) -> ChatPrompt {
        builder.prompt(for: conversation)
    }

    /// What the engine (or a batch of this model, whose window is `window`) is asked for a chat prompt:
    /// the model's stop ids, the prompt's layout for slides, and a window's worth of tokens at most.
    public nonisolated func chatRequest(_ prompt: ChatPrompt, settings: ReplySettings, window: Int) -> GenerationRequest {
        GenerationRequest(prompt: prompt.tokens, sampling: settings.sampling, seed: settings.seed,
                          maxTokens: settings.maxTokens ?? window, stopTokens: engine.defaultStopTokens(),
                          layout: prompt.layout, promptMaySlide: true)
    }

    public func reply(to conversation: Conversation, settings: ReplySettings,
                      onEvent: @escaping @Sendable (ChatEvent) -> Void) async throws -> (FinishReason, GenerationStats) {
        let request = chatRequest(builder.prompt(for: conversation), settings: settings, window: engine.contextWindow)
        let reply = ReplyAssembler(splitsMetadata: info.kind.usesChatFormat,
                                   segmentHeader: info.kind.usesChatFormat ? engine.tokenizer.id(.assistant) : nil,
                                   onEvent: onEvent)
        return try await engine.run(request) { reply.take($0) }
    }
}

/// Turns the engine's token events into chat events, on the engine's thread, one event at a time.
/// An `<|assistant|>` token inside a reply starts a new segment (SPEC section 7): it shows in the
/// content as its text, where `ToolCallParser.segments` splits the reply.
final class ReplyAssembler: @unchecked Sendable {
    private var splitter = ReplySplitter()
    private let splitsMetadata: Bool
    private let segmentHeader: Int32?
    private let onEvent: @Sendable (ChatEvent) -> Void

    init(splitsMetadata: Bool, segmentHeader: Int32? = nil, onEvent: @escaping @Sendable (ChatEvent) -> Void) {
        self.splitsMetadata = splitsMetadata
        self.segmentHeader = segmentHeader
        self.onEvent = onEvent
    }

    func take(_ event: GenerationEvent) {
        switch event {
        case .promptProgress(let done, let total): onEvent(.promptProgress(done: done, total: total))
        case .token(let token):
            text(token.text)
            if token.id == segmentHeader { text(ToolCallParser.segmentHeader) }
            onEvent(.progress(token.progress))
        case .text(let piece): text(piece)
        case .contextSlid(let report): onEvent(.contextSlid(report))
        case .finished(let reason, let stats):
            if splitsMetadata { emit(splitter.finish()) }
            onEvent(.finished(reason, stats))
        }
    }

    private func text(_ piece: String) {
        guard splitsMetadata else { return emit(piece) }
        let hadMetadata = splitter.metadataComplete
        let content = splitter.feed(piece)
        if !hadMetadata, splitter.metadataComplete, !splitter.metadata.isEmpty { onEvent(.metadata(splitter.metadata)) }
        emit(content)
    }

    private func emit(_ content: String) {
        if !content.isEmpty { onEvent(.text(content)) }
    }
}
