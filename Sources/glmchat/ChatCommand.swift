import ArgumentParser
import Foundation
import GLMEngine
import GLMTerm

/// The options of `glmchat` with no subcommand (the full-screen chat).
struct ChatOptions: ParsableArguments {
    @Option(name: .customLong("model"), help: "A GGUF file or Hugging Face directory to add for this run (repeatable); loaded first.")
    var modelPaths: [String] = []

    @Option(help: "Theme name: default, light, dark, high-contrast, mono, or a file in ~/.config/glmchat/themes.")
    var theme: String?

    @Option(help: "How a full window slides: exact (equals a fresh run over the kept text) or shift (turns the cached keys back; drifts). Default: config.toml's slide, else exact.")
    var slide: SlidePolicy?

    @Option(name: .customLong("ctx-size"), help: "Limit every model's context window to N tokens (over config.toml's ctx_size); a smaller window holds a smaller KV cache.")
    var contextSize: Int?

    func validate() throws {
        if let size = contextSize, size < ChatConfiguration.minimumContextSize {
            throw ValidationError("--ctx-size must be at least \(ChatConfiguration.minimumContextSize) tokens, not \(size)")
        }
    }

    @Flag(help: "Use the built-in demo model instead of a real one (for trying the interface and terminal tests).")
    var demo = false
}

/// `glmchat`: the full-screen chat on a terminal, plain streamed text otherwise. The caller gives
/// the inference service and the session store; `--demo` replaces both with in-memory ones.
@MainActor
func runChat(_ options: ChatOptions, service: any ChatService, repository: any SessionRepository) async -> Int32 {
    let launch = ChatLaunchOptions(modelPaths: options.modelPaths, themeName: options.theme)
    var configuration: ChatConfiguration
    do {
        configuration = try launch.configuration()
    } catch {
        FileHandle.standardError.write(Data("glmchat: \(error)\n".utf8))
        return 1
    }
    if let engine = service as? EngineChatService {
        engine.slidePolicy = options.slide ?? configuration.slide ?? .exact
        engine.contextSize = options.contextSize
    }
    var service = service
    var repository = repository
    if options.demo {
        service = DemoChatService()
        repository = InMemorySessionRepository()
        if configuration.models.isEmpty {
            configuration.models = [
                ModelEntry(name: "demo-chat", kind: .chat, path: "(built in)"),
                ModelEntry(name: "demo-base", kind: .base, path: "(built in)"),
                ModelEntry(name: "demo-32k", kind: .chat32k, path: "(built in)"),
            ]
        }
    }
    guard TerminalChat.canRunFullScreen(environment: launch.environment) else {
        return await PlainChat.run(configuration: configuration, service: service)
    }
    do {
        try await TerminalChat.run(options: launch, configuration: configuration, service: service, repository: repository)
        return 0
    } catch {
        FileHandle.standardError.write(Data("glmchat: \(error)\n".utf8))
        return 1
    }
}
