/// Builds the registry from what config.toml and the command line give.
public enum ToolSetup {
    /// The config's command tools as one source named "config", then one source per MCP server,
    /// then `extra` sources (a `--tools` file), and the interpreter if one is given.
    public static func registry(commandTools: [CommandToolSpec], mcpServers: [MCPServerSpec],
                                extra: [any ToolSource] = [], interpreter: (any CodeRunner)? = nil) -> ToolRegistry {
        var sources: [any ToolSource] = []
        if !commandTools.isEmpty { sources.append(CommandToolSource(name: "config", specs: commandTools)) }
        for server in mcpServers { sources.append(MCPToolSource(spec: server)) }
        sources += extra
        return ToolRegistry(sources: sources, interpreter: interpreter)
    }
}
