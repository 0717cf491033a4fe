import GLMConversation
import GLMEngine

/// A tool list in a JSON file (`glmchat run --tools FILE.json`): an array whose entries are ChatGLM3
/// style `{"name", "description", "parameters"}` or OpenAI style `{"type": "function", "function":
/// {...}}`, mixed freely. An entry may add glmchat's `"command": ["prog", ...]` (and `"timeout"`,
/// `"auto"`) to run it as a command tool; calls of the others can only be answered by hand.
public struct ToolListFile: Sendable, Equatable {
    public var entries: [CommandToolSpec]

    public static func parse(_ text: String, source: String) throws -> ToolListFile {
        let value = try JSONValue.parse(text, source: source)
        guard case .array(let items) = value else {
            throw GLMError(.badFormat, path: source, "expected a JSON array of tools")
        }
        var entries: [CommandToolSpec] = []
        for (index, item) in items.enumerated() {
            func fail(_ problem: String) -> GLMError { GLMError(.badFormat, path: source, "tool \(index + 1): \(problem)") }
            var tool = item
            if let type = item["type"] {
                guard type.stringValue?.isByteEqual(to: "function") == true, let function = item["function"] else {
                    throw fail("an OpenAI-style tool needs \"type\": \"function\" and a \"function\" object")
                }
                tool = function
            }
            guard case .object = tool else { throw fail("expected an object") }
            guard let name = tool["name"]?.stringValue, !name.isEmpty else { throw fail("\"name\" must be a non-empty string") }
            let description = tool["description"]?.stringValue ?? ""
            let parameters = tool["parameters"] ?? .object([])
            guard case .object = parameters else { throw fail("\"parameters\" of \(name) must be a JSON Schema object") }
            var command: [String] = []
            if let given = item["command"] ?? tool["command"] {
                guard let parts = given.arrayValue?.compactMap(\.stringValue), parts.count == given.arrayValue?.count, !parts.isEmpty else {
                    throw fail("\"command\" of \(name) must be a non-empty array of strings")
                }
                command = parts
            }
            var timeout = CommandToolSpec.defaultTimeout
            switch item["timeout"] ?? tool["timeout"] {
            case .int(let seconds)? where seconds > 0: timeout = Double(seconds)
            case .double(let seconds)? where seconds > 0: timeout = seconds
            case nil: break
            default: throw fail("\"timeout\" of \(name) must be a positive number of seconds")
            }
            let auto = (item["auto"] ?? tool["auto"]) == .bool(true)
            if entries.contains(where: { $0.name.isByteEqual(to: name) }) { throw fail("a second tool named \(name)") }
            entries.append(CommandToolSpec(name: name, description: description, parameters: parameters,
                                           command: command, timeout: timeout, auto: auto))
        }
        return ToolListFile(entries: entries)
    }

    /// The file's tools as a source: entries with a command run it; the others fail with a message
    /// saying they can only be answered by hand.
    public func source(name: String) -> CommandToolSource {
        CommandToolSource(name: name, specs: entries)
    }
}
