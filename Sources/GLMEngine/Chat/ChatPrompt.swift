import Foundation

/// A prompt ready for the engine: its ids and where the context window may cut it.
public struct ChatPrompt: Sendable, Equatable {
    public var tokens: [Int32]
    public var layout: PromptLayout

    /// The chat format (SPEC section 4), built message by message. The kept prefix is `[gMASK] sop`
    /// plus a leading system message (which carries the conversation's tools); every later user or
    /// observation message starts a turn (its answers belong to it), so a slide evicts whole
    /// exchanges, oldest first. `encoded` gives each message's ids (a memo may supply them).
    public static func chat(_ tokenizer: Tokenizer, conversation: Conversation,
                            encoded: (_ message: Message, _ tools: JSONValue?) -> [Int32]) -> ChatPrompt {
        var tokens = tokenizer.promptPrefix
        var keepPrefix = tokens.count
        var turnStarts: [Int] = []
        var messages = conversation.messages[...]
        if let tools = conversation.tools {
            // The tools go with the leading system message; without one, an empty one carries them.
            let first = messages.first.flatMap { $0.role == .system ? $0 : nil }
            if first != nil { messages = messages.dropFirst() }
            let system = first ?? Message(sessionID: .unsaved, role: .system, content: "")
            tokens += encoded(system, tools)
            keepPrefix = tokens.count
        } else if let first = messages.first, first.role == .system {
            tokens += encoded(first, nil)
            keepPrefix = tokens.count
            messages = messages.dropFirst()
        }
        for message in messages {
            if message.role == .user || message.role == .observation || turnStarts.isEmpty {
                turnStarts.append(tokens.count)
            }
            tokens += encoded(message, nil)
        }
        tokens.append(tokenizer.id(.assistant))
        return ChatPrompt(tokens: tokens, layout: PromptLayout(keepPrefix: keepPrefix, turnStarts: turnStarts))
    }

    public static func chat(_ tokenizer: Tokenizer, conversation: Conversation) -> ChatPrompt {
        chat(tokenizer, conversation: conversation) { tokenizer.encodeMessage($0, tools: $1) }
    }

    /// Plain completion for the base model: `[gMASK] sop` + text, evicted from the oldest end.
    public static func plain(_ tokenizer: Tokenizer, text: String) -> ChatPrompt {
        ChatPrompt(tokens: tokenizer.encodePlain(text), layout: .plain)
    }
}
