import Foundation

/// Turns a conversation into the prompt for one kind of model, tokenizing each message once: a new
/// turn costs the new messages only, however long the conversation (chatglm.cpp re-encodes the whole
/// history every turn). Not thread-safe: one owner at a time.
final class PromptBuilder {
    let tokenizer: Tokenizer
    let kind: ModelKind
    /// Each message's ids by its role, metadata, content and tools (ids do not depend on where it stands).
    private var memo: [ExactText: [Int32]] = [:]
    /// Entries not used by the last prompt are dropped, so the memo holds about one conversation.
    private var usedByLastPrompt: Set<ExactText> = []

    init(tokenizer: Tokenizer, kind: ModelKind) {
        self.tokenizer = tokenizer
        self.kind = kind
    }

    /// The prompt: the chat format for chat models, the concatenated text for the base model.
    func prompt(for conversation: Conversation) -> ChatPrompt {
        guard kind.usesChatFormat else {
            let text = conversation.messages.filter { $0.role != .system }.map(\.content).joined()
            return ChatPrompt.plain(tokenizer, text: text)
        }
        var used: Set<ExactText> = []
        let prompt = ChatPrompt.chat(tokenizer, conversation: conversation) { message, tools in
            let key = Self.key(message, tools)
            used.insert(key)
            if let ids = memo[key] { return ids }
            let ids = tokenizer.encodeMessage(message, tools: tools)
            memo[key] = ids
            return ids
        }
        for stale in usedByLastPrompt.subtracting(used) { memo[stale] = nil }
        usedByLastPrompt = used
        return prompt
    }

    private static func key(_ message: Message, _ tools: JSONValue?) -> ExactText {
        var bytes = Array(message.role.rawValue.utf8)
        for part in [message.metadata, message.content, tools?.pythonDumps() ?? ""] {
            bytes.append(0)
            bytes += part.utf8
        }
        return ExactText(validatingUTF8: bytes) ?? ExactText(message.content)
    }
}
