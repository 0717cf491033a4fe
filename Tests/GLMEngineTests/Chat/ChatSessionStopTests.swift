import Foundation
import Testing
@testable import GLMEngine

/// A backend that writes a few tokens, waits for the stop, then still delivers tokens it had
/// queued (as a fast engine or a remote server does) before it returns.
private final class LateStoppingBackend: ChatBackend, @unchecked Sendable {
    let info = ModelInfo(name: "late", kind: .chat, quantization: "Q4_0", contextWindow: 8192)
    var stopTokenIDs: [Int32] { [2] }

    func reply(to conversation: Conversation, settings: ReplySettings,
               onEvent: @escaping @Sendable (ChatEvent) -> Void) async throws -> (FinishReason, GenerationStats) {
        var stats = GenerationStats()
        for piece in ["a ", "b ", "c "] {
            stats.generatedTokens += 1
            onEvent(.text(piece))
        }
        while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(1)) }
        for index in 1...5 {
            stats.generatedTokens += 1
            onEvent(.text("late\(index) "))
            onEvent(.metadata("late"))
        }
        return (.cancelled, stats)
    }
}

/// Esc at any speed (issue 20, item 9): once the stop is asked, no token is added to the answer,
/// not even those the backend delivers before it notices. Counted in tokens, not in time.
@Suite struct ChatSessionStopTests {
    @Test func noTokenIsAddedAfterTheStop() async throws {
        let store = MemoryConversationStore()
        let chat = ChatSession(store: store)
        try chat.append(.user, "go")
        var texts = 0
        var atStop: String?
        var textsAfterStop = 0
        for await event in chat.reply(using: LateStoppingBackend()) {
            guard case .text = event else { continue }
            texts += 1
            if atStop != nil { textsAfterStop += 1 }
            if texts == 3 {
                chat.cancelReply()
                atStop = chat.messages.last?.content
            }
        }
        let answer = try #require(chat.messages.last)
        #expect(atStop == "a b c ")
        #expect(answer.content == "a b c ")              // the five late tokens were not drawn
        #expect(answer.metadata.isEmpty)
        #expect(textsAfterStop == 0)
        #expect(answer.state == .stopped)
        let sessionID = try #require(chat.session?.id)
        #expect(try store.messages(in: sessionID).last?.content == "a b c ")
    }

    @Test func aStopBeforeAnyAnswerChangesNothingForTheNext() async throws {
        let chat = ChatSession(store: MemoryConversationStore())
        chat.cancelReply()                                   // nothing is being written: no effect
        try chat.append(.user, "go")
        let backend = ScriptedBackend(events: [ChatSessionTests.answer(["x", "y"])], outcomes: [])
        for await _ in chat.reply(using: backend) {}
        #expect(chat.messages.last?.content == "xy")
    }
}
