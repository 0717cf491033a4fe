import GLMEngine

/// OpenAI chat messages and ChatGLM3 messages, both ways (SPEC section 7): `tool` and `function`
/// messages are observations; an assistant's tool call is an assistant turn whose metadata is the
/// tool's name and whose content is the fenced `tool_call(...)` block.
public enum MessageMapping {
    // MARK: OpenAI → ChatGLM3 (the server reads a request)

    /// The ChatGLM3 messages of one OpenAI message: one, or for an assistant message with text and
    /// tool calls, the text and then one turn per call.
    static func messages(from item: RequestFields) throws(APIError) -> [Message] {
        let roleName = try item.requiredString("role")
        func message(_ role: Role, _ content: String, metadata: String = "") -> Message {
            Message(sessionID: .unsaved, role: role, content: content, metadata: metadata)
        }
        switch ExactText(roleName) {
        case "system", "developer":
            return [message(.system, try text(item, required: true))]
        case "user":
            return [message(.user, try text(item, required: true))]
        case "tool", "function":
            return [message(.observation, try text(item, required: true))]
        case "assistant":
            var turns: [Message] = []
            let content = try text(item, required: false)
            var calls: [(name: String, arguments: JSONValue)] = []
            for call in try item.objects("tool_calls") ?? [] {
                guard let function = try call.object("function") else {
                    throw APIError.invalid(call.name("function"), "\(call.name("function")) is required")
                }
                calls.append(try toolCall(function))
            }
            if let function = try item.object("function_call") { calls.append(try toolCall(function)) }
            if !content.isEmpty || calls.isEmpty { turns.append(message(.assistant, content)) }
            for call in calls {
                turns.append(message(.assistant, ToolCallFormatter.content(arguments: call.arguments), metadata: call.name))
            }
            return turns
        default:
            throw APIError.invalid(item.name("role"), "\(item.name("role")) must be system, developer, user, assistant, tool or function, not \(roleName)")
        }
    }

    /// A message's text: a string, or an array of text parts joined.
    private static func text(_ item: RequestFields, required: Bool) throws(APIError) -> String {
        guard let content = item.value("content") else {
            if required { throw APIError.invalid(item.name("content"), "\(item.name("content")) is required") }
            return ""
        }
        switch content {
        case .string(let text): return text
        case .array(let parts):
            var text = ""
            for (index, part) in parts.enumerated() {
                let fields = try RequestFields(part, path: "\(item.name("content"))[\(index)]")
                let type = try fields.requiredString("type")
                guard type.isByteEqual(to: "text") || type.isByteEqual(to: "input_text") else {
                    throw APIError.unsupported(fields.name("type"), "\(fields.name("type")): only text parts are supported, not \(type)")
                }
                text += try fields.requiredString("text")
            }
            return text
        default:
            throw APIError.invalid(item.name("content"), "\(item.name("content")) must be a string or an array of text parts")
        }
    }

    private static func toolCall(_ function: RequestFields) throws(APIError) -> (name: String, arguments: JSONValue) {
        let name = try function.requiredString("name")
        let argumentsText = try function.string("arguments") ?? "{}"
        do {
            return (name, try JSONValue.parse(argumentsText))
        } catch {
            throw APIError.invalid(function.name("arguments"), "\(function.name("arguments")) must be JSON text: \(error)")
        }
    }

    // MARK: ChatGLM3 → OpenAI (a remote backend writes a request)

    /// The OpenAI `messages` and `tools` of a conversation. The tools leave the system message for the
    /// `tools` field (the server puts them back in its own prompt); the system message that only
    /// introduces them is left out.
    public static func openAIRequestParts(for conversation: Conversation) -> (messages: JSONValue, tools: JSONValue?) {
        var messages: [JSONValue] = []
        var callCount = 0
        var lastCallID: String?
        var tools: JSONValue?
        for (index, message) in conversation.messages.enumerated() {
            switch message.role {
            case .system:
                if index == 0, conversation.tools != nil,
                   message.content.isByteEqual(to: ChatCompletionRequest.toolSystemPrompt) { continue }
                messages.append(plain("system", message.content))
            case .user:
                messages.append(plain("user", message.content))
            case .observation:
                messages.append(.object([("role", .string("tool")), ("tool_call_id", .string(lastCallID ?? "call_0")),
                                         ("content", .string(message.content))]))
            case .assistant:
                for segment in ToolCallParser.segments(metadata: message.metadata, content: message.content) {
                    if segment.hasMetadata, let call = try? ToolCallParser.parseCall(name: segment.metadata, content: segment.content) {
                        let id = "call_\(callCount)"
                        callCount += 1
                        lastCallID = id
                        messages.append(.object([("role", .string("assistant")), ("content", .null), ("tool_calls", .array([
                            .object([("id", .string(id)), ("type", .string("function")), ("function", .object([
                                ("name", .string(call.name)), ("arguments", .string(call.argumentsJSON)),
                            ]))]),
                        ]))]))
                    } else {
                        let text = segment.hasMetadata ? segment.metadata + "\n" + segment.content : segment.content
                        messages.append(plain("assistant", text))
                    }
                }
            }
        }
        if case .array(let list) = conversation.tools {
            tools = .array(list.map { .object([("type", .string("function")), ("function", $0)]) })
        }
        return (.array(messages), tools)
    }

    private static func plain(_ role: String, _ content: String) -> JSONValue {
        .object([("role", .string(role)), ("content", .string(content))])
    }
}
