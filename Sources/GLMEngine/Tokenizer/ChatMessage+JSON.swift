extension ChatMessage {
    /// Reads a conversation written as JSON: `[{"role", "content", "metadata"?, "tools"?}, ...]`
    /// (the format of the original API's history). Tool keys keep their order. Unknown keys,
    /// unknown roles and tools on a non-system message are errors naming `source`.
    public static func conversation(fromJSON text: String, source: String? = nil) throws -> [ChatMessage] {
        guard let items = try JSONValue.parse(text, source: source).arrayValue else {
            throw GLMError(.badFormat, path: source, "expected a JSON array of messages")
        }
        return try items.enumerated().map { index, item in
            try ChatMessage(json: item, number: index + 1, source: source)
        }
    }

    private init(json item: JSONValue, number: Int, source: String?) throws {
        func fail(_ problem: String) -> GLMError { GLMError(.badFormat, path: source, "message \(number): \(problem)") }
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
        let tools = item["tools"]
        guard tools == nil || role == .system else { throw fail("only a system message can carry \"tools\"") }
        self.init(role: role, content: content, metadata: metadata?.stringValue ?? "", tools: tools)
    }
}
