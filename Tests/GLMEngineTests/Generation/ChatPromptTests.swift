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

    static func message(_ role: Role, _ content: String, metadata: String = "") -> Message {
        Message(sessionID: .unsaved, role: role, content: content, metadata: metadata)
    }

    @Test("ids are the messages' encodings in order; the system message is kept; each user message starts a turn")
    func layout() {
        let conversation = Conversation(messages: [Self.message(.system, "You are helpful."), Self.message(.user, "你好"),
                                                   Self.message(.assistant, "你好👋！"), Self.message(.user, "Tell me a joke"),
                                                   Self.message(.user, "Another one")])
        let prompt = ChatPrompt.chat(tokenizer, conversation: conversation)
        let expected = tokenizer.promptPrefix + conversation.messages.flatMap { tokenizer.encodeMessage($0) } + [tokenizer.id(.assistant)]
        #expect(prompt.tokens == expected)
        let systemEnd = 2 + tokenizer.encodeMessage(conversation.messages[0]).count
        #expect(prompt.layout.keepPrefix == systemEnd)
        #expect(prompt.layout.turnStarts.count == 3)
        for start in prompt.layout.turnStarts {
            #expect(prompt.tokens[start] == tokenizer.id(.user))
        }
    }

    @Test("without a system message only [gMASK] sop is kept")
    func noSystem() {
        let prompt = ChatPrompt.chat(tokenizer, conversation: Conversation(messages: [Self.message(.user, "你好")]))
        #expect(prompt.tokens == [64790, 64792, 64795, 30910, 13, 36474, 54591, 64796])
        #expect(prompt.layout == PromptLayout(keepPrefix: 2, turnStarts: [2]))
    }

    @Test("tools go with the leading system message, or an empty one made for them")
    func toolsJoinTheSystemMessage() throws {
        let tools = try JSONValue.parse(#"[{"name": "get_weather", "description": "天气", "parameters": {}}]"#)
        let withSystem = Conversation(messages: [Self.message(.system, "Answer."), Self.message(.user, "北京?")], tools: tools)
        let ids = ChatPrompt.chat(tokenizer, conversation: withSystem).tokens
        let system = tokenizer.encodeMessage(role: .system, metadata: "", content: "Answer.", tools: tools)
        #expect(Array(ids[2..<(2 + system.count)]) == system)
        let withoutSystem = Conversation(messages: [Self.message(.user, "北京?")], tools: tools)
        let empty = tokenizer.encodeMessage(role: .system, metadata: "", content: "", tools: tools)
        let prompt = ChatPrompt.chat(tokenizer, conversation: withoutSystem)
        #expect(Array(prompt.tokens[2..<(2 + empty.count)]) == empty)
        #expect(prompt.layout.keepPrefix == 2 + empty.count)
    }

    @Test("the files a code block wrote, kept with its result, are not part of the prompt")
    func resultFilesAreNotPrompted() {
        var result = Self.message(.observation, "```result\nsaved\n```")
        let messages = [Self.message(.user, "Plot a sine"),
                        Self.message(.assistant, "```python\nplt.savefig('/mnt/data/sine.png')\n```", metadata: "interpreter")]
        let without = ChatPrompt.chat(tokenizer, conversation: Conversation(messages: messages + [result])).tokens
        result.files = ["sine.png"]
        let with = ChatPrompt.chat(tokenizer, conversation: Conversation(messages: messages + [result])).tokens
        #expect(with == without)
        #expect(with.count > 10)
    }
}
