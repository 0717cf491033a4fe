import Foundation
import Testing
@testable import GLMEngine

/// The conversation core with a scripted backend: what the model is shown, how the answer grows
/// and is saved, and how it ends (complete, stopped, failed).
@Suite struct ChatSessionTests {
    static func answer(_ pieces: [String], metadata: String? = nil) -> [ChatEvent] {
        var events: [ChatEvent] = [.promptProgress(done: 7, total: 7)]
        if let metadata { events.append(.metadata(metadata)) }
        for (index, piece) in pieces.enumerated() {
            events.append(.text(piece))
            events.append(.progress(GenerationProgress(generatedTokens: index + 1, generationSeconds: Double(index) / 20,
                                                       contextUsed: 8 + index, contextWindow: 8192)))
        }
        return events
    }

    static func drain(_ stream: AsyncStream<ChatEvent>) async -> [ChatEvent] {
        var events: [ChatEvent] = []
        for await event in stream { events.append(event) }
        return events
    }

    @Test func theUsersMessageIsSavedFirstAndTheAnswerGrowsAndIsFinishedWithStats() async throws {
        let store = MemoryConversationStore()
        let backend = ScriptedBackend(events: [Self.answer(["你好", "，", "world"], metadata: "get_weather")],
                                      outcomes: [.success(.stopToken(2))])
        let chat = ChatSession(store: store)
        let question = try chat.append(.user, "天气?", model: backend.info)
        let session = try #require(chat.session)
        #expect(try store.messages(in: session.id) == [question])
        #expect(session.modelName == "scripted")
        let events = await Self.drain(chat.reply(using: backend))
        guard case .finished(.stopToken(2), let stats)? = events.last else {
            Issue.record("the stream must end with finished: \(events)")
            return
        }
        #expect(stats.generatedTokens == 3)
        let saved = try store.messages(in: session.id)
        #expect(saved.map(\.role) == [.user, .assistant])
        let answer = saved[1]
        #expect(answer.content == "你好，world")
        #expect(answer.metadata == "get_weather")
        #expect(answer.state == .complete && answer.finishReason == "stop")
        #expect(answer.promptTokens == 7 && answer.completionTokens == 3 && answer.tokensPerSecond == 20)
        #expect(answer.seed != nil && answer.seed == backend.settings.first?.seed)
        #expect(chat.messages == saved)
        #expect(!chat.isReplying)
    }

    @Test func theModelSeesTheSystemPromptAndTheMessagesSinceTheLastClear() async throws {
        let backend = ScriptedBackend(events: [Self.answer(["one"]), Self.answer(["two"])], outcomes: [])
        let chat = ChatSession(store: MemoryConversationStore())
        try chat.setSystemPrompt("Be brief.")
        try chat.append(.user, "first")
        _ = await Self.drain(chat.reply(using: backend))
        try chat.clearContext()
        try chat.append(.user, "second")
        _ = await Self.drain(chat.reply(using: backend))
        let shown = backend.asked.map { $0.messages.map { "\($0.role.rawValue): \($0.content)" } }
        #expect(shown == [["system: Be brief.", "user: first"], ["system: Be brief.", "user: second"]])
        #expect(chat.session?.systemPrompt == "Be brief.")
        #expect(chat.messages.map(\.content) == ["first", "one", "", "second", "two"])
    }

    @Test func failedAnswersAreKeptButNotShownToTheModel() async throws {
        let backend = ScriptedBackend(events: [Self.answer(["par"]), Self.answer(["ok"])],
                                      outcomes: [.failure(GLMError(.contextOverflow, "too long")), .success(.stopToken(2))])
        let chat = ChatSession(store: MemoryConversationStore())
        try chat.append(.user, "hi")
        let events = await Self.drain(chat.reply(using: backend))
        guard case .finished(.failed(let why), _)? = events.last else {
            Issue.record("expected a failed finish: \(events)")
            return
        }
        #expect(why.contains("too long"))
        #expect(chat.messages.last?.state == .failed)
        #expect(chat.messages.last?.content == "par")
        try chat.retract(from: 1)
        _ = await Self.drain(chat.reply(using: backend))
        #expect(backend.asked.last?.messages.map(\.content) == ["hi"])
        #expect(chat.messages.map(\.content) == ["hi", "ok"])
    }

    @Test func cancellingStopsTheAnswerAndKeepsWhatWasWritten() async throws {
        let backend = ScriptedBackend(events: [Self.answer((0..<200).map { "w\($0) " })], outcomes: [], pause: .milliseconds(2))
        let chat = ChatSession(store: MemoryConversationStore())
        try chat.append(.user, "go")
        var received = 0
        var last: ChatEvent?
        for await event in chat.reply(using: backend) {
            if case .text = event {
                received += 1
                if received == 3 { chat.cancelReply() }
            }
            last = event
        }
        guard case .finished(.cancelled, _)? = last else {
            Issue.record("expected a cancelled finish, got \(String(describing: last))")
            return
        }
        let answer = try #require(chat.messages.last)
        #expect(answer.state == .stopped)
        #expect(answer.content.hasPrefix("w0 w1 w2 "))
        #expect(answer.content.count < 200 * 4)
    }

    @Test func withoutAStoreNothingIsSavedButTheConversationWorks() async throws {
        let backend = ScriptedBackend(events: [Self.answer(["a", "b"])], outcomes: [.success(.maxTokens)])
        let chat = ChatSession(store: nil, systemPrompt: "S", sampling: .greedy)
        try chat.append(.user, "q")
        _ = await Self.drain(chat.reply(using: backend, maxTokens: 2))
        #expect(chat.session == nil)
        #expect(chat.messages.map(\.content) == ["q", "ab"])
        #expect(chat.messages.last?.finishReason == "length")
        #expect(backend.settings.first?.maxTokens == 2)
        #expect(backend.settings.first?.seed == 0)      // greedy fixes the seed
    }

    @Test func aSecondReplyWhileOneIsWrittenIsRefused() async throws {
        let backend = ScriptedBackend(events: [Self.answer((0..<50).map { "x\($0)" })], outcomes: [], pause: .milliseconds(2))
        let chat = ChatSession(store: nil)
        try chat.append(.user, "go")
        let first = chat.reply(using: backend)
        let second = await Self.drain(chat.reply(using: backend))
        guard case .finished(.failed(let why), _)? = second.last else {
            Issue.record("expected a refusal: \(second)")
            return
        }
        #expect(why.contains("still being written"))
        chat.cancelReply()
        _ = await Self.drain(first)
    }

    @Test func aSavedSessionReopensWithItsSystemPromptAndMessages() async throws {
        let store = MemoryConversationStore()
        let backend = ScriptedBackend(events: [Self.answer(["fine"])], outcomes: [])
        let chat = ChatSession(store: store)
        try chat.setSystemPrompt("你是助手")
        try chat.append(.user, "how are you")
        _ = await Self.drain(chat.reply(using: backend))
        let sessionID = try #require(chat.session?.id)
        let reopened = try ChatSession(opening: sessionID, in: store)
        #expect(reopened.systemPrompt == "你是助手")
        #expect(reopened.messages == chat.messages)
        let shown = { (c: Conversation) in c.messages.map { "\($0.role.rawValue): \($0.content)" } }
        #expect(shown(reopened.conversation) == shown(chat.conversation))
        #expect(shown(reopened.conversation) == ["system: 你是助手", "user: how are you", "assistant: fine"])
    }
}
