import GLMConversation
import GLMEngine

/// Every tool glmchat can offer, merged from its sources (config command tools, MCP servers, a tool
/// list file) plus the code interpreter. It gives the tool list for the prompt, refuses calls it
/// cannot run (unknown tool, arguments that do not match the schema) with a message for the model,
/// and routes the rest to their source. Tools can be switched off per session.
public actor ToolRegistry {
    /// One source as `tools list` and `/tools` show it: its tools, or why it has none.
    public struct SourceStatus: Sendable, Equatable {
        public var name: String
        public var tools: [ToolDefinition]
        /// Why the source could not be listed (a server that did not start), or nil.
        public var error: String?
        /// Tools of this source hidden by an earlier source's tool of the same name.
        public var shadowed: [String]
    }

    private let sources: [any ToolSource]
    public nonisolated let interpreter: (any CodeRunner)?
    private var statuses: [SourceStatus] = []
    /// Each offered tool by name (the first source wins), with the index of its source.
    private var byName: [ExactText: (definition: ToolDefinition, source: Int)] = [:]
    private var order: [ExactText] = []
    private var disabled: Set<ExactText> = []

    public init(sources: [any ToolSource], interpreter: (any CodeRunner)? = nil) {
        self.sources = sources
        self.interpreter = interpreter
    }

    /// Lists every source again (MCP servers are started on first use); a source that fails is
    /// reported in its status and the others keep working.
    @discardableResult
    public func refresh() async -> [SourceStatus] {
        var fresh: [SourceStatus] = []
        var names: [ExactText: (definition: ToolDefinition, source: Int)] = [:]
        var ordered: [ExactText] = []
        for (index, source) in sources.enumerated() {
            var status = SourceStatus(name: source.name, tools: [], error: nil, shadowed: [])
            do {
                status.tools = try await source.tools()
            } catch {
                status.error = "\(error)"
            }
            for tool in status.tools {
                let key = ExactText(tool.name)
                if names[key] != nil {
                    status.shadowed.append(tool.name)
                } else {
                    names[key] = (tool, index)
                    ordered.append(key)
                }
            }
            fresh.append(status)
        }
        statuses = fresh
        byName = names
        order = ordered
        return fresh
    }

    /// The sources as last listed.
    public var sourceStatuses: [SourceStatus] { statuses }

    /// Every tool the sources offer, enabled or not, in source order.
    public var allTools: [ToolDefinition] { order.compactMap { byName[$0]?.definition } }

    /// The tools offered to the model: every tool not switched off.
    public var enabledTools: [ToolDefinition] { order.filter { !disabled.contains($0) }.compactMap { byName[$0]?.definition } }

    public func isEnabled(_ tool: String) -> Bool { !disabled.contains(ExactText(tool)) }

    /// Switches a tool on or off for this session (`/tools`).
    public func setEnabled(_ tool: String, _ enabled: Bool) {
        if enabled { disabled.remove(ExactText(tool)) } else { disabled.insert(ExactText(tool)) }
    }

    /// ChatGLM3's tool list for the system message (`ChatSession.setTools`), nil when none is enabled.
    public var promptTools: JSONValue? {
        let tools = enabledTools
        return tools.isEmpty ? nil : .array(tools.map(\.promptEntry))
    }

    /// The tool a call names and its source's name, if the call may run: the tool is offered and
    /// enabled, and the arguments match its schema. Otherwise the refusal the model gets.
    public func check(_ call: ToolCall) throws(ToolRefusal) -> (definition: ToolDefinition, source: String) {
        let key = ExactText(call.name)
        guard let entry = byName[key], !disabled.contains(key) else {
            let offered = enabledTools.map(\.name)
            let list = offered.isEmpty ? "no tools are offered" : "the tools are: " + offered.joined(separator: ", ")
            throw ToolRefusal("there is no tool named `\(call.name)`; \(list)")
        }
        try ArgumentValidator.validate(call.arguments, against: entry.definition.parameters, tool: call.name)
        return (entry.definition, sources[entry.source].name)
    }

    /// Runs a checked call through its source. Errors that stop the tool from running become an
    /// error result, so the model always gets an observation.
    public func call(_ name: String, arguments: JSONValue) async throws -> ToolResult {
        guard let entry = byName[ExactText(name)] else { throw ToolRefusal("there is no tool named `\(name)`") }
        let source = sources[entry.source]
        do {
            return try await source.call(name, arguments: arguments)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            if Task.isCancelled { throw CancellationError() }
            return ToolResult(text: "\(error)", isError: true)
        }
    }

    /// Stops every source (MCP server processes) and the interpreter's running block.
    public func shutdown() async {
        for source in sources { await source.shutdown() }
    }
}
