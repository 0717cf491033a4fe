import Foundation
import GLMEngine
import GLMOpenAI

/// The JSON the server writes: whole replies, stream chunks and usage, in the shapes OpenAI clients
/// read (the reference servers: vLLM, llama-server).
enum WireShapes {
    /// One server-sent event carrying `value`.
    static func event(_ value: JSONValue) -> String { "data: " + value.pythonDumps() + "\n\n" }
    static let done = "data: [DONE]\n\n"

    static func usage(_ stats: GenerationStats) -> JSONValue {
        .object([
            ("prompt_tokens", .int(stats.promptTokens)),
            ("completion_tokens", .int(stats.generatedTokens)),
            ("total_tokens", .int(stats.promptTokens + stats.generatedTokens)),
            ("prompt_tokens_details", .object([("cached_tokens", .int(stats.reusedTokens))])),
        ])
    }

    /// A reply's identity: the same on every chunk of one answer.
    struct Header {
        let id: String
        let object: String
        let created: Int
        let model: String

        init(prefix: String, object: String, model: String) {
            id = prefix + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            self.object = object
            created = Int(Date().timeIntervalSince1970)
            self.model = model
        }

        func document(choices: [JSONValue], extra: [(key: String, value: JSONValue)] = []) -> JSONValue {
            .object([("id", .string(id)), ("object", .string(object)), ("created", .int(created)), ("model", .string(model)),
                     ("choices", .array(choices))] + extra)
        }
    }

    static func toolCallID() -> String {
        "call_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(24)
    }

    /// A call as `tool_calls` carries it (`index` only in stream deltas).
    static func toolCall(_ call: ToolCall, id: String, index: Int?) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = []
        if let index { members.append(("index", .int(index))) }
        members += [("id", .string(id)), ("type", .string("function")),
                    ("function", .object([("name", .string(call.name)), ("arguments", .string(call.argumentsJSON))]))]
        return .object(members)
    }

    static func functionCall(_ call: ToolCall) -> JSONValue {
        .object([("name", .string(call.name)), ("arguments", .string(call.argumentsJSON))])
    }
}
