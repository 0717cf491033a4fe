extension Role {
    /// The special token that opens a message of this role.
    public var token: SpecialToken {
        switch self {
        case .system: .system
        case .user: .user
        case .assistant: .assistant
        case .observation: .observation
        }
    }
}

extension Tokenizer {
    /// One message as the original `build_chat_input` encodes it:
    /// `[<|role|>] + encode(metadata + "\n") + encode(content)`, where a system message's content is
    /// followed by "\n" and its tools as `json.dumps(tools, indent=4, ensure_ascii=False)` (SPEC 4, 7).
    public func encodeMessage(role: Role, metadata: String, content: String, tools: JSONValue? = nil) -> [Int32] {
        var body = content
        if role == .system, let tools { body += "\n" + tools.pythonDumps(indent: 4) }
        return [id(role.token)] + encode(metadata + "\n") + encode(body)
    }

    public func encodeMessage(_ message: Message, tools: JSONValue? = nil) -> [Int32] {
        encodeMessage(role: message.role, metadata: message.metadata, content: message.content, tools: tools)
    }

    /// A whole chat prompt, built message by message (never from one rendered string):
    /// `[gMASK] sop`, every message, then a bare `<|assistant|>`.
    public func encodeChat(_ conversation: Conversation) -> [Int32] {
        ChatPrompt.chat(self, conversation: conversation).tokens
    }
}
