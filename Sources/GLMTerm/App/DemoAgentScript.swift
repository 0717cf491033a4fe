import GLMEngine
import GLMInterpreter

/// One reply of the demo model: its metadata line (a tool name, `interpreter`, or empty) and content.
public struct DemoReply: Sendable, Equatable {
    public var metadata: String
    public var content: String

    public init(metadata: String = "", content: String) {
        self.metadata = metadata
        self.content = content
    }
}

/// How the demo model plays the agent's turns, so a new user sees the flow without weights: in
/// Tool mode it calls the first tool offered (the demo's `get_weather` when it is there), in Code
/// mode it writes a Python block, and after a result it answers with what the result said. It
/// reads only what a real model reads: the conversation (its tools, system prompt and messages).
enum DemoAgentScript {
    /// The demo's code: short, deterministic, and printing something to see.
    static let code = """
        from math import sqrt
        # square roots of 1..5, computed in the sandbox
        roots = [round(sqrt(n), 3) for n in range(1, 6)]
        print("roots:", roots)
        print("sum =", round(sum(roots), 3))
        """

    static func reply(to conversation: Conversation) -> DemoReply? {
        let messages = conversation.messages
        guard let last = messages.last else { return nil }
        switch last.role {
        case .user:
            if let tools = conversation.tools?.arrayValue, let tool = chooseTool(tools) {
                return DemoReply(metadata: tool.name, content: "```python\n\(tool.call(question: last.content))\n```")
            }
            let system = messages.first { $0.role == .system }?.content ?? ""
            if system.isByteEqual(to: SessionMode.interpreterPrompt) {
                return DemoReply(metadata: SessionMode.interpreterMetadata, content: "```python\n\(code)\n```")
            }
            return nil
        case .observation:
            let call = messages.dropLast().last { $0.role == .assistant }
            guard let call, !call.metadata.isEmpty else { return nil }
            if call.metadata.isByteEqual(to: SessionMode.interpreterMetadata) {
                // says what really happened: the sandbox's output, or why nothing ran
                if codeDidNotRun(last.content) {
                    return DemoReply(content: "The code could not run here, so there is no output to show:\n\n"
                                     + resultText(last.content) + "\n\nThat was the code interpreter without its sandbox: "
                                     + "the code was shown and you decided, but nothing ran.")
                }
                return DemoReply(content: "The code ran in the sandbox. It printed:\n\n"
                                 + resultText(last.content) + "\n\nThat was the code interpreter: the code was shown, "
                                 + "you approved it, it ran, and its output came back to me.")
            }
            return DemoReply(content: "The tool `\(call.metadata)` answered:\n\n" + resultText(last.content)
                             + "\n\nThat was a tool call: I asked for it, you approved it, it ran, and I read its result. "
                             + "Next, F4 switches to Code mode: ask again and I write Python for you to run.")
        default:
            return nil
        }
    }

    /// An interpreter result that says the code was not run (no sandbox, no Python).
    static func codeDidNotRun(_ content: String) -> Bool {
        guard let fence = ToolCards.lastFence(in: content), fence.language.isByteEqual(to: "result") else { return false }
        return fence.code.hasBytePrefix(notRunPrefix)
    }

    /// "[The code was not run: " — how the interpreter's notice begins.
    static let notRunPrefix = String(InterpreterNotice.failedToStart("").dropLast())

    /// The text of a result, without the fence of an interpreter's `result` block.
    static func resultText(_ content: String) -> String {
        if let fence = ToolCards.lastFence(in: content), fence.language.isByteEqual(to: "result") {
            return "```\n\(fence.code)\n```"
        }
        return "    " + content.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n    ")
    }

    struct ChosenTool {
        var name: String
        var required: [String]

        /// `tool_call(...)` with every required argument: a city for the weather, else the question.
        func call(question: String) -> String {
            let arguments = required.map { key -> String in
                let weather = key.isByteEqual(to: "city") || key.isByteEqual(to: "location")
                return key + "=" + ToolCallFormatter.literal(.string(weather ? "Beijing" : question))
            }
            return "tool_call(" + arguments.joined(separator: ", ") + ")"
        }
    }

    /// The demo's weather tool when it is offered, else the first tool with a name.
    static func chooseTool(_ tools: [JSONValue]) -> ChosenTool? {
        let named = tools.filter { $0["name"]?.stringValue != nil }
        let tool = named.first { $0["name"]?.stringValue?.isByteEqual(to: DemoTools.weatherName) == true } ?? named.first
        guard let tool, let name = tool["name"]?.stringValue else { return nil }
        let required = (tool["parameters"]?["required"]?.arrayValue ?? []).compactMap(\.stringValue)
        return ChosenTool(name: name, required: required)
    }
}

/// The demo's own tool: a weather report made up from the city's name (it never reaches a
/// network). Its definition is what Tool mode offers under `--demo`.
enum DemoTools {
    static let weatherName = "get_weather"

    static var weatherDefinition: JSONValue {
        .object([
            ("name", .string(weatherName)),
            ("description", .string("Get the current weather for a city (a demo: the report is made up)")),
            ("parameters", .object([
                ("type", .string("object")),
                ("properties", .object([("city", .object([("type", .string("string")),
                                                          ("description", .string("The city, e.g. Beijing"))]))])),
                ("required", .array([.string("city")])),
            ])),
        ])
    }

    /// The made-up report for `city` as the JSON result a real tool would give.
    static func weather(city: String) -> String {
        let sum = city.unicodeScalars.reduce(0) { $0 + Int($1.value) }
        let skies = ["sunny", "cloudy", "light rain", "overcast"]
        let report = JSONValue.object([("city", .string(city)), ("temperature_c", .int(12 + sum % 15)),
                                       ("sky", .string(skies[sum % skies.count])), ("source", .string("glmchat demo"))])
        return report.pythonDumps()
    }
}
