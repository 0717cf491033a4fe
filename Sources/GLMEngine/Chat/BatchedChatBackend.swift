/// A local model whose answers decode together (`glmchat serve --parallel N`): prompts are built as
/// `LocalChatBackend` builds them and answered by a `BatchDecoder`, so several conversations share
/// each pass over the weights. A request that starts as an earlier one did reads only what follows
/// (the decoder's `PrefixPool`).
public final class BatchedChatBackend: ChatBackend {
    public let local: LocalChatBackend
    public let decoder: BatchDecoder

    public init(local: LocalChatBackend, decoder: BatchDecoder) {
        self.local = local
        self.decoder = decoder
    }

    public var info: ModelInfo { local.info }
    public var stopTokenIDs: [Int32] { local.stopTokenIDs }

    public func reply(to conversation: Conversation, settings: ReplySettings,
                      onEvent: @escaping @Sendable (ChatEvent) -> Void) async throws -> (FinishReason, GenerationStats) {
        try await reply(await chatRequest(conversation, settings: settings), onEvent: onEvent)
    }

    /// Answers a request made by `chatRequest` (the server builds it once, to check it against the
    /// KV budget first).
    public func reply(_ request: GenerationRequest,
                      onEvent: @escaping @Sendable (ChatEvent) -> Void) async throws -> (FinishReason, GenerationStats) {
        let chat = info.kind.usesChatFormat
        let reply = ReplyAssembler(splitsMetadata: chat, segmentHeader: chat ? local.engine.tokenizer.id(.assistant) : nil,
                                   onEvent: onEvent)
        return try await decoder.run(request) { reply.take($0) }
    }

    /// Plain completion, as `LocalChatBackend.complete`: the prompt read as it is, stopping at `</s>`.
    public func complete(_ prompt: [Int32], settings: ReplySettings,
                         onEvent: @escaping @Sendable (ChatEvent) -> Void) async throws -> (FinishReason, GenerationStats) {
        let reply = ReplyAssembler(splitsMetadata: false, onEvent: onEvent)
        return try await decoder.run(completionRequest(prompt, settings: settings)) { reply.take($0) }
    }

    /// What the decoder is asked for a chat answer (also what a server checks against the KV budget first).
    public func chatRequest(_ conversation: Conversation, settings: ReplySettings) async -> GenerationRequest {
        chatRequest(await local.prompt(for: conversation), settings: settings)
    }

    /// The same for a prompt already built.
    public func chatRequest(_ prompt: ChatPrompt, settings: ReplySettings) -> GenerationRequest {
        local.chatRequest(prompt, settings: settings, window: decoder.contextWindow)
    }

    /// What the decoder is asked for a plain completion.
    public func completionRequest(_ prompt: [Int32], settings: ReplySettings) -> GenerationRequest {
        GenerationRequest(prompt: prompt, sampling: settings.sampling, seed: settings.seed,
                          maxTokens: settings.maxTokens ?? decoder.contextWindow,
                          stopTokens: [local.engine.tokenizer.eosId], layout: .plain, promptMaySlide: false)
    }
}
