import GLMEngine
import GLMStore
import Foundation

/// What `glmchat` (no subcommand) is started with.
public struct ChatLaunchOptions: Sendable {
    /// `--model PATH` (repeatable): added to the configured models for this run, loaded first.
    public var modelPaths: [String]
    /// `--theme NAME`, over config.toml's `theme`.
    public var themeName: String?
    public var environment: [String: String]
    public var executablePath: String

    public init(modelPaths: [String] = [], themeName: String? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment,
                executablePath: String = CommandLine.arguments.first ?? "glmchat") {
        self.modelPaths = modelPaths
        self.themeName = themeName
        self.environment = environment
        self.executablePath = executablePath
    }

    /// config.toml plus the command line.
    public func configuration() throws(ConfigError) -> ChatConfiguration {
        var configuration = try ChatConfiguration.load(environment: environment)
        for path in modelPaths.reversed() { configuration.addModel(path: path) }
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

    /// Runs until the user quits; the terminal is restored however it ends.
    @MainActor
    public static func run(options: ChatLaunchOptions, configuration: ChatConfiguration,
                           provider: any ModelProvider, store: GLMStore) async throws(ConfigError) {
        let backend = try NcursesBackend(environment: options.environment)
        defer { backend.close() }
        let themeName = options.themeName ?? configuration.theme ?? "default"
        let directories = ChatConfiguration.themeDirectories(environment: options.environment, executablePath: options.executablePath)
        let (spec, problem) = ThemeLoader.load(named: themeName, from: directories)
        guard !configuration.models.isEmpty else {
            let configPath = ChatConfiguration.directory(environment: options.environment).appendingPathComponent("config.toml").path
            WelcomeScreen(backend: backend, theme: spec.resolved(colorCount: backend.colorCount), configPath: configPath).run()
            return
        }
        let app = ChatApp(provider: provider, store: store, models: configuration.models,
                          initialModel: configuration.initialModel, theme: spec.resolved(colorCount: backend.colorCount))
        await AppRunner(app: app, backend: backend).run(problem: problem)
    }
}
