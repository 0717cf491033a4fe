import GLMEngine
import GLMStore
import GLMTools
import Foundation

/// What `glmchat` (no subcommand) is started with.
public struct ChatLaunchOptions: Sendable {
    /// `--model PATH` (repeatable): added to the configured models for this run, loaded first.
    public var modelPaths: [String]
    /// `--tokenizer PATH`: the tokenizer.model for the `--model` files (without `--model`, for every
    /// configured model that names none), for GGUF files that do not carry their own.
    public var tokenizerPath: String?
    /// `--theme NAME`, over config.toml's `theme`.
    public var themeName: String?
    public var environment: [String: String]

    public init(modelPaths: [String] = [], tokenizerPath: String? = nil, themeName: String? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.modelPaths = modelPaths
        self.tokenizerPath = tokenizerPath
        self.themeName = themeName
        self.environment = environment
    }

    /// config.toml plus the command line.
    public func configuration() throws(ConfigError) -> ChatConfiguration {
        var configuration = try ChatConfiguration.load(environment: environment)
        if let tokenizerPath, modelPaths.isEmpty {
            for index in configuration.models.indices where configuration.models[index].tokenizer == nil {
                configuration.models[index].tokenizer = tokenizerPath
            }
        }
        for path in modelPaths.reversed() { configuration.addModel(path: path, tokenizer: tokenizerPath) }
        return configuration
    }
}

/// The full-screen chat on a real terminal.
public enum TerminalChat {
    /// Full screen needs a terminal on both ends and a TERM that can address the screen.
    public static func canRunFullScreen(environment: [String: String]) -> Bool {
        let term = environment["TERM"] ?? ""
        return isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 && !term.isEmpty && term != "dumb"
    }

    /// A terminal on both ends that cannot be addressed (`TERM=dumb` or unset): the chat goes line by line.
    public static func isLineByLineTerminal(environment: [String: String]) -> Bool {
        let term = environment["TERM"] ?? ""
        return isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 && (term.isEmpty || term == "dumb")
    }

    /// Runs until the user quits; the terminal is restored however it ends.
    @MainActor
    public static func run(options: ChatLaunchOptions, configuration: ChatConfiguration,
                           provider: any ModelProvider, store: GLMStore,
                           extraToolSources: [any ToolSource] = []) async throws(ConfigError) {
        let backend = try NcursesBackend(environment: options.environment)
        defer { backend.close() }
        let themeName = options.themeName ?? configuration.theme ?? "default"
        let directories = ChatConfiguration.themeDirectories(environment: options.environment)
        let (spec, problem) = ThemeLoader.load(named: themeName, from: directories)
        guard !configuration.models.isEmpty else {
            let configPath = ChatConfiguration.directory(environment: options.environment).appendingPathComponent("config.toml").path
            WelcomeScreen(backend: backend, theme: spec.resolved(colorCount: backend.colorCount), configPath: configPath).run()
            return
        }
        let app = ChatApp(provider: provider, store: store, models: configuration.models,
                          initialModel: configuration.initialModel, theme: spec.resolved(colorCount: backend.colorCount),
                          keyMap: configuration.keyMap, environment: options.environment)
        app.maxToolRounds = configuration.maxToolRounds ?? AgentLoop.defaultMaxToolRounds
        app.interpreterSettings = configuration.interpreter
        var registry: ToolRegistry?
        var listing: Task<Void, Never>?
        if !configuration.commandTools.isEmpty || !configuration.mcpServers.isEmpty || !extraToolSources.isEmpty {
            let tools = ToolSetup.registry(commandTools: configuration.commandTools, mcpServers: configuration.mcpServers,
                                           extra: extraToolSources)
            registry = tools
            // MCP servers start in the background; Tool mode offers their tools once they are listed
            listing = Task { await app.useTools(tools) }
        }
        await AppRunner(app: app, backend: backend).run(problem: problem)
        app.closeInterpreter()
        // a listing still starting servers ends first, so none is started after the shutdown
        listing?.cancel()
        await registry?.shutdown()
        await listing?.value
    }
}
