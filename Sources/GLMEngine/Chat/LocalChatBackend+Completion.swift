extension LocalChatBackend {
    /// Plain completion (the base model's format, or any model as raw text): `prompt` is read as it
    /// is, with no roles, and the answer stops at `</s>` only. A prompt longer than the window is an
    /// error (`contextOverflow`), never cut.
    public func complete(_ prompt: [Int32], settings: ReplySettings,
                         onEvent: @escaping @Sendable (ChatEvent) -> Void) async throws -> (FinishReason, GenerationStats) {
        let window = engine.contextWindow
        let request = GenerationRequest(prompt: prompt, sampling: settings.sampling, seed: settings.seed,
                                        maxTokens: settings.maxTokens ?? window, stopTokens: [engine.tokenizer.eosId],
                                        layout: .plain, promptMaySlide: false)
        let reply = ReplyAssembler(splitsMetadata: false, onEvent: onEvent)
        return try await engine.run(request) { reply.take($0) }
    }
}
