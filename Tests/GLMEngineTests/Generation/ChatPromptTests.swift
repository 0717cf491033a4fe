import Foundation
import Testing
@testable import GLMEngine

@Suite("Generation: chat prompts with their cut points")
struct ChatPromptTests {
    let tokenizer: Tokenizer = {
        guard let t = try? Tokenizer(modelPath: Fixtures.root.appendingPathComponent("real-tokenizer/tokenizer.model").path) else {
            fatalError("real tokenizer fixture missing")
        }
        return t
    }()

    @Test("ids equal encodeChat; the system message is kept; each user message starts a turn")
    func layout() {
        let history = [ChatMessage(role: .system, content: "You are helpful."),
                       ChatMessage(role: .user, content: "你好"),
                       ChatMessage(role: .assistant, content: "你好👋！"),
                       ChatMessage(role: .user, content: "Tell me a joke")]
        let next = ChatMessage(role: .user, content: "Another one")
        let prompt = ChatPrompt.chat(tokenizer, history: history, next: next)
        #expect(prompt.tokens == tokenizer.encodeChat(history: history, next: next))
        let systemEnd = 2 + tokenizer.encodeMessage(history[0]).count
        #expect(prompt.layout.keepPrefix == systemEnd)
        #expect(prompt.layout.turnStarts.count == 3)
        for start in prompt.layout.turnStarts {
            #expect(prompt.tokens[start] == tokenizer.id(.user))
        }
    }

    @Test("without a system message only [gMASK] sop is kept")
    func noSystem() {
        let prompt = ChatPrompt.chat(tokenizer, history: [], next: ChatMessage(role: .user, content: "你好"))
        #expect(prompt.tokens == [64790, 64792, 64795, 30910, 13, 36474, 54591, 64796])
        #expect(prompt.layout == PromptLayout(keepPrefix: 2, turnStarts: [2]))
    }
}
