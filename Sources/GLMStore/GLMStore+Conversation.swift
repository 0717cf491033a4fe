extension GLMStore: ConversationStore {
    public func beginAnswer(in session: SessionID, model: String, seed: UInt64?) throws -> any AnswerSink {
        try beginAnswer(in: session, model: model, seed: seed, metadata: "", saveInterval: AnswerWriter.defaultSaveInterval)
    }
}
