import GLMEngine

/// What a plain completion or `/tokenize` reads: text (the model adds `[gMASK] sop`), or token ids
/// taken as they are.
public enum PromptInput: Sendable, Equatable {
    case text(String)
    case tokens([Int32])

    /// A `prompt` field: a string, an array of one string, or an array of token ids.
    static func parse(_ value: JSONValue?, field: String) throws(APIError) -> PromptInput {
        guard let value else { throw APIError.invalid(field, "\(field) is required") }
        switch value {
        case .string(let text): return .text(text)
        case .array(let items):
            if items.count == 1, case .string(let text) = items[0] { return .text(text) }
            guard !items.isEmpty else { throw APIError.invalid(field, "\(field) must not be empty") }
            var ids: [Int32] = []
            for (index, item) in items.enumerated() {
                guard case .int(let id) = item, let narrow = Int32(exactly: id), narrow >= 0 else {
                    if case .string = item { throw APIError.unsupported(field, "\(field): one prompt per request") }
                    throw APIError.invalid("\(field)[\(index)]", "\(field)[\(index)] must be a token id (a non-negative integer)")
                }
                ids.append(narrow)
            }
            return .tokens(ids)
        default:
            throw APIError.invalid(field, "\(field) must be a string, an array of one string, or an array of token ids")
        }
    }
}

/// A `POST /v1/completions` body: plain completion of a prompt (the base model, or any model as raw
/// text). `max_tokens` defaults to 16, as in the OpenAI API.
public struct CompletionRequest: Sendable {
    public var model: String?
    public var prompt: PromptInput
    public var parameters: GenerationParameters
    /// `echo`: the answer starts with the prompt's text.
    public var echo: Bool

    public static let defaultMaxTokens = 16

    public static func parse(_ body: JSONValue) throws(APIError) -> CompletionRequest {
        let fields = try RequestFields(body, path: "")
        let model = try fields.string("model")
        let prompt = try PromptInput.parse(fields.value("prompt"), field: "prompt")
        let parameters = try GenerationParameters.parse(fields, maxTokensDefault: defaultMaxTokens)
        if let suffix = try fields.string("suffix"), !suffix.isEmpty {
            throw APIError.unsupported("suffix", "suffix is not supported")
        }
        if let bestOf = try fields.int("best_of", in: 1...Int.max), bestOf != 1 {
            throw APIError.unsupported("best_of", "best_of must be 1")
        }
        return CompletionRequest(model: model, prompt: prompt, parameters: parameters, echo: try fields.bool("echo") ?? false)
    }
}

/// A `POST /tokenize` body, as vLLM takes it: a `prompt` (with `add_special_tokens`, default true:
/// `[gMASK] sop` first), or chat `messages` (with `add_generation_prompt`, default true: the bare
/// `<|assistant|>` last) and optional `tools`.
public struct TokenizeRequest: Sendable {
    public enum Input: Sendable {
        case prompt(String, addSpecialTokens: Bool)
        case chat(Conversation, addGenerationPrompt: Bool)
    }

    public var model: String?
    public var input: Input

    public static func parse(_ body: JSONValue) throws(APIError) -> TokenizeRequest {
        let fields = try RequestFields(body, path: "")
        let model = try fields.string("model")
        if fields.has("messages") {
            let chat = try ChatCompletionRequest.parse(body)
            return TokenizeRequest(model: model, input: .chat(chat.conversation,
                                                               addGenerationPrompt: try fields.bool("add_generation_prompt") ?? true))
        }
        let prompt = try fields.requiredString("prompt")
        return TokenizeRequest(model: model, input: .prompt(prompt, addSpecialTokens: try fields.bool("add_special_tokens") ?? true))
    }
}

/// A `POST /detokenize` body: `{"model"?, "tokens": [ids]}`.
public struct DetokenizeRequest: Sendable {
    public var model: String?
    public var tokens: [Int32]

    public static func parse(_ body: JSONValue) throws(APIError) -> DetokenizeRequest {
        let fields = try RequestFields(body, path: "")
        guard let items = try fields.array("tokens") else { throw APIError.invalid("tokens", "tokens is required") }
        var ids: [Int32] = []
        for (index, item) in items.enumerated() {
            guard case .int(let id) = item, let narrow = Int32(exactly: id), narrow >= 0 else {
                throw APIError.invalid("tokens[\(index)]", "tokens[\(index)] must be a token id (a non-negative integer)")
            }
            ids.append(narrow)
        }
        return DetokenizeRequest(model: try fields.string("model"), tokens: ids)
    }
}
