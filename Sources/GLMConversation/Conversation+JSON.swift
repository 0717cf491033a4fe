extension Conversation {
    /// Reads a conversation written as JSON: `[{"role", "content", "metadata"?, "tools"?}, ...]` (the
    /// format of the original API's history). Only the first message, a system message, may carry
    /// `tools`; they keep their key order. Unknown keys and roles are errors naming `source`.
    public static func fromJSON(_ text: String, source: String? = nil) throws -> Conversation {
        guard let items = try JSONValue.parse(text, source: source).arrayValue else {
            throw GLMError(.badFormat, path: source, "expected a JSON array of messages")
        }
        var conversation = Conversation(messages: [])
        for (index, item) in items.enumerated() {
            func fail(_ problem: String) -> GLMError { GLMError(.badFormat, path: source, "message \(index + 1): \(problem)") }
            guard case .object(let members) = item else { throw fail("expected an object") }
            let known: Set<ExactText> = ["role", "content", "metadata", "tools"]
            if let unknown = members.first(where: { !known.contains(ExactText($0.key)) }) {
                throw fail("unknown key \"\(unknown.key)\" (allowed: role, content, metadata, tools)")
            }
            guard let roleName = item["role"]?.stringValue else { throw fail("\"role\" must be a string") }
            guard let role = Role.allCases.first(where: { $0.rawValue.isByteEqual(to: roleName) }) else {
                throw fail("unknown role \"\(roleName)\" (system, user, assistant or observation)")
            }
            guard let content = item["content"]?.stringValue else { throw fail("\"content\" must be a string") }
            let metadata = item["metadata"]
            guard metadata == nil || metadata?.stringValue != nil else { throw fail("\"metadata\" must be a string") }
            if let tools = item["tools"] {
                guard role == .system, index == 0 else { throw fail("only the first message, a system message, can carry \"tools\"") }
                conversation.tools = tools
            }
            conversation.messages.append(Message(sessionID: .unsaved, role: role, content: content,
                                                 metadata: metadata?.stringValue ?? ""))
        }
        return conversation
    }

    /// What the model sees of a session: its system prompt first (when it has one), then the messages
    /// since the last "/clear", without failed, unfinished or empty answers and without the marks.
    public static func visible(systemPrompt: String, messages: [Message], tools: JSONValue? = nil) -> Conversation {
        let start = (messages.lastIndex { $0.isContextClear } ?? -1) + 1
        var visible: [Message] = []
        if !systemPrompt.isEmpty {
            visible.append(Message(sessionID: messages.first?.sessionID ?? .unsaved, role: .system, content: systemPrompt))
        }
        for message in messages[start...] {
            if message.isContextClear { continue }
            if message.role == .assistant, message.content.isEmpty || message.state == .failed || message.state == .streaming {
                continue
            }
            visible.append(message)
        }
        return Conversation(messages: visible, tools: tools)
    }
}
