import GLMConversation

/// One tool as the model sees it: a name, what it does, and the JSON Schema of its arguments.
public struct ToolDefinition: Sendable, Equatable {
    public var name: String
    public var description: String
    /// The JSON Schema of the arguments (an object schema); `.object([])` when the tool takes none.
    public var parameters: JSONValue
    /// Whether a call runs without asking (config `auto = true`).
    public var runsWithoutApproval: Bool

    public init(name: String, description: String, parameters: JSONValue, runsWithoutApproval: Bool = false) {
        self.name = name
        self.description = description
        self.parameters = parameters
        self.runsWithoutApproval = runsWithoutApproval
    }

    /// The entry of ChatGLM3's tool list: `{"name", "description", "parameters"}` in that order.
    public var promptEntry: JSONValue {
        .object([("name", .string(name)), ("description", .string(description)), ("parameters", parameters)])
    }
}

/// What a tool run gave back: the text that becomes the observation, and whether it is an error.
public struct ToolResult: Sendable, Equatable {
    public var text: String
    public var isError: Bool
    /// Files the run wrote into the session's folder (the interpreter's figures), relative names.
    public var files: [String]

    public init(text: String, isError: Bool = false, files: [String] = []) {
        self.text = text
        self.isError = isError
        self.files = files
    }
}

/// A provider of tools: the command tools of the config, one MCP server, a tool list file.
public protocol ToolSource: Sendable {
    /// The source's name as `/tools` and `glmchat tools list` show it.
    var name: String { get }
    /// The tools this source offers now; throws (with a message for the user) when the source could
    /// not be reached.
    func tools() async throws -> [ToolDefinition]
    /// Runs one tool with arguments already checked against its schema. A tool that ran and failed
    /// gives a result with `isError`; a thrown error means it could not be run at all. Cancelling the
    /// calling task stops the run.
    func call(_ tool: String, arguments: JSONValue) async throws -> ToolResult
    /// Stops what the source started (an MCP server's process); later calls fail.
    func shutdown() async
}

extension ToolSource {
    public func shutdown() async {}
}

/// The code interpreter as the agent loop uses it: one block of code in, the observation text out
/// (the fenced `result` block of SPEC section 7). The sandbox's interpreter plugs in through it.
public protocol CodeRunner: Sendable {
    /// What `tools list` shows: ready, or why it cannot start.
    func status() async -> String
    /// Runs one block; the returned text is the observation's content as the model gets it.
    func run(code: String) async throws -> ToolResult
    /// Stops the block being run (Esc).
    func cancel() async
}
