import GLMConversation
import GLMEngine

/// A `[[tools]]` entry of config.toml: a tool run as a command. The call's arguments go to its
/// stdin as JSON; its stdout is the result; a non-zero exit or a timeout is an error result.
public struct CommandToolSpec: Sendable, Equatable {
    public var name: String
    public var description: String
    /// The JSON Schema of the arguments.
    public var parameters: JSONValue
    /// The program and its arguments (no shell).
    public var command: [String]
    /// Seconds the command may run before its process group is killed.
    public var timeout: Double
    /// Runs without asking for approval.
    public var auto: Bool

    public static let defaultTimeout = 30.0

    public init(name: String, description: String, parameters: JSONValue, command: [String],
                timeout: Double = CommandToolSpec.defaultTimeout, auto: Bool = false) {
        self.name = name
        self.description = description
        self.parameters = parameters
        self.command = command
        self.timeout = timeout
        self.auto = auto
    }
}

/// The command tools of the config as one source.
public struct CommandToolSource: ToolSource {
    public let name: String
    public let specs: [CommandToolSpec]
    /// The most bytes of stdout kept (the rest is cut and said so); stderr keeps as many.
    public let outputLimit: Int

    public static let defaultOutputLimit = 64 * 1024

    public init(name: String = "config", specs: [CommandToolSpec], outputLimit: Int = CommandToolSource.defaultOutputLimit) {
        self.name = name
        self.specs = specs
        self.outputLimit = outputLimit
    }

    public func tools() async throws -> [ToolDefinition] {
        specs.map { ToolDefinition(name: $0.name, description: $0.description, parameters: $0.parameters, runsWithoutApproval: $0.auto) }
    }

    public func call(_ tool: String, arguments: JSONValue) async throws -> ToolResult {
        guard let spec = specs.first(where: { $0.name.isByteEqual(to: tool) }) else {
            throw ToolRefusal("there is no command tool named `\(tool)`")
        }
        guard !spec.command.isEmpty else {
            throw ToolRefusal("\(tool) has no command to run: its result can only be typed by hand")
        }
        let input = Array((arguments.pythonDumps() + "\n").utf8)
        let outcome = try await ChildProcess.run(spec.command, input: input, timeout: .milliseconds(Int64(spec.timeout * 1000)),
                                                 outputLimit: outputLimit)
        return Self.result(of: outcome, tool: spec, limit: outputLimit)
    }

    /// The result the model gets: stdout (without its final newline), or an error naming the exit
    /// status or the time limit with the end of stderr.
    static func result(of outcome: ChildOutcome, tool spec: CommandToolSpec, limit: Int) -> ToolResult {
        var text = String(decoding: outcome.stdout, as: UTF8.self)
        if text.hasByteSuffix("\n") { text.removeLast() }
        if outcome.stdoutDropped > 0 { text += "\n[output cut: \(outcome.stdoutDropped) more bytes after the first \(limit)]" }
        let stderr = String(decoding: outcome.stderr.suffix(2000), as: UTF8.self)
        let detail = stderr.isEmpty ? "" : ": " + ToolCallParser.trimmed(stderr)
        if outcome.timedOut {
            return ToolResult(text: "\(spec.name) did not finish within \(formatSeconds(spec.timeout)) s and was stopped\(detail)", isError: true)
        }
        switch outcome.ending {
        case .exited(0):
            return ToolResult(text: text)
        case .exited(let status):
            let shown = detail.isEmpty && !text.isEmpty ? ": " + text : detail
            return ToolResult(text: "\(spec.name) failed with exit status \(status)\(shown)", isError: true)
        case .signaled(let signal):
            return ToolResult(text: "\(spec.name) was killed by signal \(signal)\(detail)", isError: true)
        }
    }

    private static func formatSeconds(_ seconds: Double) -> String {
        seconds.rounded() == seconds ? String(Int(seconds)) : String(seconds)
    }
}
