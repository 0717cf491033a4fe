import GLMEngine

/// The tools a request offers the model, and how the reply reports a call.
public struct ToolOffer: Sendable, Equatable {
    public enum Style: Sendable, Equatable {
        /// `tools` / `tool_choice`: the reply carries `tool_calls`, finish reason `tool_calls`.
        case tools
        /// The legacy `functions` / `function_call`: `function_call`, finish reason `function_call`.
        case functions
    }

    public var style: Style
    /// The offered tools' names, in order.
    public var names: [String]

    /// Whether a reply's metadata names one of the offered tools (by bytes).
    public func offers(_ name: String) -> Bool { names.contains { $0.isByteEqual(to: name) } }
}

/// A `POST /v1/chat/completions` body, checked field by field: the conversation as ChatGLM3 sees it
/// (SPEC section 7's mapping: `tool`/`function` messages are observations, an assistant's tool calls
/// are assistant turns whose metadata is the tool's name), the tools offered, and the parameters.
public struct ChatCompletionRequest: Sendable {
    public var model: String?
    public var conversation: Conversation
    public var parameters: GenerationParameters
    /// nil when no tools are offered (none given, or `tool_choice` "none").
    public var toolOffer: ToolOffer?

    /// The system message the original demos put the tools on (SPEC section 7).
    public static let toolSystemPrompt =
        "Answer the following questions as best as you can. You have access to the following tools:"

    public static func parse(_ body: JSONValue) throws(APIError) -> ChatCompletionRequest {
        let fields = try RequestFields(body, path: "")
        let model = try fields.string("model")
        let parameters = try GenerationParameters.parse(fields, maxTokensDefault: nil)
        if let format = try fields.object("response_format"), let type = try format.string("type"), !type.isByteEqual(to: "text") {
            throw APIError.unsupported("response_format", "response_format \(type) is not supported (only text)")
        }
        guard let items = try fields.objects("messages"), !items.isEmpty else {
            throw APIError.invalid("messages", "messages is required and must hold at least one message")
        }
        var messages: [Message] = []
        for item in items { messages += try MessageMapping.messages(from: item) }
        var conversation = Conversation(messages: messages)
        let offered = try ToolDefinitions.parse(fields)
        if let offered {
            conversation.tools = offered.tools
            conversation.messages.insert(Message(sessionID: .unsaved, role: .system, content: toolSystemPrompt), at: 0)
        }
        return ChatCompletionRequest(model: model, conversation: conversation, parameters: parameters, toolOffer: offered?.offer)
    }
}

/// `tools` + `tool_choice`, or the legacy `functions` + `function_call`, as ChatGLM3's tool list:
/// `[{name, description, parameters}]` in that order, with the caller's JSON inside kept as given.
enum ToolDefinitions {
    static func parse(_ fields: RequestFields) throws(APIError) -> (tools: JSONValue, offer: ToolOffer)? {
        let tools = try fields.objects("tools")
        let functions = try fields.objects("functions")
        if tools != nil, functions != nil { throw APIError.invalid("functions", "send tools or the legacy functions, not both") }
        var definitions: [(name: String, value: JSONValue)] = []
        let style: ToolOffer.Style
        let choiceKey: String
        if let tools {
            style = .tools
            choiceKey = "tool_choice"
            for tool in tools {
                let type = try tool.string("type") ?? "function"
                guard type.isByteEqual(to: "function") else {
                    throw APIError.unsupported(tool.name("type"), "\(tool.name("type")): only function tools are supported, not \(type)")
                }
                guard let function = try tool.object("function") else {
                    throw APIError.invalid(tool.name("function"), "\(tool.name("function")) is required")
                }
                definitions.append(try definition(function))
            }
        } else if let functions {
            style = .functions
            choiceKey = "function_call"
            for function in functions { definitions.append(try definition(function)) }
        } else {
            if fields.has("tool_choice") || fields.has("function_call") {
                let key = fields.has("tool_choice") ? "tool_choice" : "function_call"
                if let choice = try? fields.string(key), choice.isByteEqual(to: "none") || choice.isByteEqual(to: "auto") { return nil }
                throw APIError.invalid(key, "\(key) needs \(key == "tool_choice" ? "tools" : "functions")")
            }
            return nil
        }
        guard !definitions.isEmpty else { return nil }
        switch try choice(fields, key: choiceKey, style: style) {
        case .none: return nil
        case .all: break
        case .named(let name):
            guard let chosen = definitions.first(where: { $0.name.isByteEqual(to: name) }) else {
                throw APIError.invalid(choiceKey, "\(choiceKey) names \(name), which is not among the offered tools")
            }
            definitions = [chosen]
        }
        return (.array(definitions.map(\.value)), ToolOffer(style: style, names: definitions.map(\.name)))
    }

    private static func definition(_ function: RequestFields) throws(APIError) -> (name: String, value: JSONValue) {
        let name = try function.requiredString("name")
        guard !name.isEmpty, !name.contains(where: \.isNewline) else {
            throw APIError.invalid(function.name("name"), "\(function.name("name")) must be a non-empty name on one line")
        }
        var members: [(key: String, value: JSONValue)] = [("name", .string(name))]
        if let description = try function.string("description") { members.append(("description", .string(description))) }
        if let parameters = function.value("parameters") {
            guard case .object = parameters else {
                throw APIError.invalid(function.name("parameters"), "\(function.name("parameters")) must be a JSON Schema object")
            }
            members.append(("parameters", parameters))
        }
        return (name, .object(members))
    }

    private enum Choice { case none, all, named(String) }

    /// "none", "auto", "required" (offered; the model cannot be forced), or one named tool.
    private static func choice(_ fields: RequestFields, key: String, style: ToolOffer.Style) throws(APIError) -> Choice {
        guard let value = fields.value(key) else { return .all }
        if case .string(let word) = value {
            if word.isByteEqual(to: "none") { return .none }
            if word.isByteEqual(to: "auto") || word.isByteEqual(to: "required") { return .all }
            throw APIError.invalid(key, "\(key) must be \"none\", \"auto\", \"required\" or names a function")
        }
        let object = try RequestFields(value, path: key)
        if style == .tools {
            guard let function = try object.object("function") else {
                throw APIError.invalid(key, "\(key) must be {\"type\": \"function\", \"function\": {\"name\": …}}")
            }
            return .named(try function.requiredString("name"))
        }
        return .named(try object.requiredString("name"))
    }
}
