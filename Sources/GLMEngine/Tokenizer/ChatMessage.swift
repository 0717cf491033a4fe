/// One message of a ChatGLM3 conversation, as the original `build_chat_input` takes it.
public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable, CaseIterable {
        case system, user, assistant, observation

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

    public var role: Role
    public var content: String
    /// Text on the role line before the first "\n": empty for ordinary messages, a tool name for
    /// a tool call, `interpreter` for code-interpreter calls.
    public var metadata: String
    /// The tool list of a system message, in the caller's key order. Like the original, only a
    /// system message's tools reach the prompt.
    public var tools: JSONValue?

    public init(role: Role, content: String, metadata: String = "", tools: JSONValue? = nil) {
        self.role = role
        self.content = content
        self.metadata = metadata
        self.tools = tools
    }

    /// The message body the model sees: the content, and for a system message with tools a
    /// "\n" and the tools as `json.dumps(tools, indent=4, ensure_ascii=False)`.
    public var promptContent: String {
        guard role == .system, let tools else { return content }
        return content + "\n" + tools.pythonDumps(indent: 4)
    }
}

extension Tokenizer {
    /// One message: `[<|role|>] + encode(metadata + "\n") + encode(content)`. The engine appends
    /// these to a cached prompt one turn at a time.
    public func encodeMessage(_ message: ChatMessage) -> [Int32] {
        [id(message.role.token)] + encode(message.metadata + "\n") + encode(message.promptContent)
    }

    /// A whole chat prompt, built message by message (never from one rendered string):
    /// `[gMASK] sop`, every history message, the new message, then a bare `<|assistant|>`.
    public func encodeChat(history: [ChatMessage], next: ChatMessage) -> [Int32] {
        var ids = promptPrefix
        for message in history { ids += encodeMessage(message) }
        ids += encodeMessage(next)
        ids.append(id(.assistant))
        return ids
    }
}
