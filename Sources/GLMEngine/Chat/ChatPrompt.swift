import Foundation

/// A prompt ready for the engine: its ids and where the context window may cut it.
public struct ChatPrompt: Sendable, Equatable {
    public var tokens: [Int32]
    public var layout: PromptLayout

    /// The chat format (SPEC section 4), built message by message. The kept prefix is `[gMASK] sop`
    /// plus a leading system message; every later user or observation message starts a turn (its
    /// answers belong to it), so a slide evicts whole exchanges, oldest first.
    public static func chat(_ tokenizer: Tokenizer, history: [ChatMessage], next: ChatMessage) -> ChatPrompt {
        var tokens = tokenizer.promptPrefix
        var keepPrefix = tokens.count
        var turnStarts: [Int] = []
        for (index, message) in (history + [next]).enumerated() {
            if index == 0, message.role == .system {
                tokens += tokenizer.encodeMessage(message)
                keepPrefix = tokens.count
                continue
            }
            if message.role == .user || message.role == .observation || turnStarts.isEmpty {
                turnStarts.append(tokens.count)
            }
            tokens += tokenizer.encodeMessage(message)
        }
        tokens.append(tokenizer.id(.assistant))
        return ChatPrompt(tokens: tokens, layout: PromptLayout(keepPrefix: keepPrefix, turnStarts: turnStarts))
    }

    /// Plain completion for the base model: `[gMASK] sop` + text, evicted from the oldest end.
    public static func plain(_ tokenizer: Tokenizer, text: String) -> ChatPrompt {
        ChatPrompt(tokens: tokenizer.encodePlain(text), layout: .plain)
    }
}
