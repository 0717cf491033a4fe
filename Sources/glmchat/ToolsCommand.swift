import ArgumentParser
import Foundation
import GLMEngine
import GLMInterpreter
import GLMTerm
import GLMTools

/// `glmchat tools`: what the model's tool calls and the configured tools look like to glmchat.
struct ToolsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tools",
        abstract: "Read a reply's tool calls, or list the configured tools.",
        subcommands: [ToolsParseCommand.self, ToolsListCommand.self])
}

/// `glmchat tools parse`: a reply's segments and calls as JSON, read exactly as the agent loop reads
/// them (nothing is run or evaluated).
struct ToolsParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Print a reply's segments and tool calls as JSON.",
        discussion: """
            The reply is its raw text: the metadata line (a tool name, interpreter, or empty), then the \
            content; further segments follow the text <|assistant|>. Prints {"segments": [...], \
            "tool_calls": [...], "error": null or the first problem}. Exits with status 1 when a call \
            could not be read.
            """)

    @Option(help: "The reply's text; read from stdin when omitted.")
    var text: String?

    func run() throws {
        let raw: String
        if let text {
            raw = text
        } else {
            let data = FileHandle.standardInput.readDataToEndOfFile()
            guard let decoded = String(data: data, encoding: .utf8) else {
                throw GLMError(.badValue, "stdin is not UTF-8 text")
            }
            raw = decoded
        }
        let report = ReplyReport.read(raw)
        print(report.json.pythonDumps())
        if report.error != nil { throw ExitCode(1) }
    }
}

/// `glmchat tools list`: the tools of config.toml, each MCP server's tools (or why it has none).
struct ToolsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the tools of config.toml: command tools, MCP servers and their tools, the interpreter.")

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() async throws {
        let configuration: ChatConfiguration
        do {
            configuration = try ChatConfiguration.load(environment: ProcessInfo.processInfo.environment)
        } catch {
            exitWithError(error)
        }
        let registry = ToolSetup.registry(commandTools: configuration.commandTools, mcpServers: configuration.mcpServers)
        let statuses = await registry.refresh()
        await registry.shutdown()
        let interpreter = InterpreterAvailability.check(configuration.interpreter)
        if json {
            let sources = statuses.map { status -> JSONValue in
                .object([("source", .string(status.name)),
                         ("tools", .array(status.tools.map { .object([("name", .string($0.name)),
                                                                       ("description", .string($0.description)),
                                                                       ("auto", .bool($0.runsWithoutApproval))]) })),
                         ("error", status.error.map(JSONValue.string) ?? .null)])
            }
            print(JSONValue.object([("sources", .array(sources)), ("interpreter", .object([("state", .string(interpreter.state)),
                                                                      ("summary", .string(interpreter.summary))])),
                                    ("max_tool_rounds", .int(configuration.maxToolRounds ?? AgentLoop.defaultMaxToolRounds))])
                    .pythonDumps(indent: 2))
            return
        }
        if statuses.isEmpty { print("No tools in config.toml ([[tools]] or [[mcp_servers]]; see docs/TOOLS.md).") }
        for status in statuses {
            print(status.name == "config" ? "command tools (config.toml):" : "MCP server \(status.name):")
            if let error = status.error { print("  error: \(ControlPictures.visible(error))") }
            for tool in status.tools {
                let flag = tool.runsWithoutApproval ? " [auto]" : ""
                print("  \(tool.name)\(flag) — \(ControlPictures.visible(tool.description))")
            }
            if status.error == nil, status.tools.isEmpty { print("  (no tools)") }
            for name in status.shadowed { print("  \(name): hidden by an earlier tool of the same name") }
        }
        print("interpreter: \(interpreter.summary)")
        print("max_tool_rounds: \(configuration.maxToolRounds ?? AgentLoop.defaultMaxToolRounds)")
    }
}
