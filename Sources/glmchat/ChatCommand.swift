import ArgumentParser
import Foundation
import GLMEngine
import GLMStore
import GLMTerm

/// The options of `glmchat` with no subcommand (the full-screen chat).
struct ChatOptions: ParsableArguments {
    @Option(name: .customLong("model"), help: "A GGUF file or Hugging Face directory to add for this run (repeatable); loaded first.")
    var modelPaths: [String] = []

    @Option(help: "tokenizer.model for a GGUF file that does not carry its own (for the --model files; without --model, for the configured models).")
    var tokenizer: String?

    @Option(help: "Theme name: default, light, dark, high-contrast, mono, or a file in ~/.config/glmchat/themes.")
    var theme: String?

    @Option(help: "How a full window slides: exact (equals a fresh run over the kept text) or shift (turns the cached keys back; drifts). Default: config.toml's slide, else exact.")
    var slide: SlidePolicy?

    @Option(help: "Speculative decoding for every model: ngram (guesses from the conversation, checked in one pass; the same answer, faster where text repeats) or off. Default: each model's speculate in config.toml, else \(SpeculationMode.standard.rawValue).")
    var speculate: SpeculationMode?

    @Option(name: .customLong("cache-type"), help: "KV cache of every model: f16 (exact) or q8_0 (half the memory, a small drift). Default: each model's cache_type in config.toml, else f16.")
    var cacheType: KVCacheType?

    @Option(name: .customLong("ctx-size"), help: "Limit every model's context window to N tokens (over config.toml's ctx_size); a smaller window holds a smaller KV cache.")
    var contextSize: Int?

    func validate() throws {
        if let size = contextSize, size < ChatConfiguration.minimumContextSize {
            throw ValidationError("--ctx-size must be at least \(ChatConfiguration.minimumContextSize) tokens, not \(size)")
        }
    }

    @Flag(help: "Use the built-in demo model instead of a real one (for trying the interface and terminal tests): it answers under the configured models' names, or as demo-chat, demo-base and demo-32k when none are configured; sessions go to a throwaway folder unless --data-dir is given.")
    var demo = false
}

/// `glmchat`: the full-screen chat on a terminal, plain streamed text otherwise. `--demo` is decided
/// here, once: the demo models and a throwaway session store replace the real ones.
@MainActor
func runChat(_ options: ChatOptions, dataDirectory: String?, threads: Int?) async -> Int32 {
    let launch = ChatLaunchOptions(modelPaths: options.modelPaths, tokenizerPath: options.tokenizer, themeName: options.theme)
    var configuration: ChatConfiguration
    do {
        configuration = try launch.configuration()
    } catch {
        FileHandle.standardError.write(Data("glmchat: \(error)\n".utf8))
        return 1
    }
    let provider: any ModelProvider
    var demoDirectory: URL?
    if options.demo {
        provider = DemoModelProvider()
        // The configured models keep their names and kinds (the demo answers for each); with none
        // configured, three demo models stand in.
        if configuration.models.isEmpty {
            configuration.models = [
                ModelEntry(name: "demo-chat", kind: .chat, path: "(built in)"),
                ModelEntry(name: "demo-base", kind: .base, path: "(built in)"),
                ModelEntry(name: "demo-32k", kind: .chat32k, path: "(built in)"),
            ]
            configuration.initialModel = nil
        }
        // A throwaway store, unless --data-dir names one (to try the store's behaviour with the demo).
        if dataDirectory == nil {
            demoDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("glmchat-demo-\(UUID().uuidString)")
        }
    } else {
        provider = EngineModelProvider(threads: threads, slidePolicy: options.slide ?? configuration.slide ?? .exact,
                                       contextSize: options.contextSize, speculate: options.speculate,
                                       cacheType: options.cacheType,
                                       conversationCacheBytes: configuration.conversationCacheMB.map { Int($0 * 1_048_576) })
    }
    let lineByLine = TerminalChat.isLineByLineTerminal(environment: launch.environment)
    guard lineByLine || TerminalChat.canRunFullScreen(environment: launch.environment) else {
        return await PlainChat.run(configuration: configuration, provider: provider)
    }
    defer { if let demoDirectory { try? FileManager.default.removeItem(at: demoDirectory) } }
    do {
        // A data folder this user cannot write is opened for reading: the sessions can be read,
        // and the app says why nothing new is saved.
        let folder = demoDirectory ?? StorePaths.dataDirectory(override: dataDirectory)
        let refusal = GLMStore.writeRefusal(databaseURL: StorePaths.databaseURL(dataDirectory: folder))
        let store = try GLMStore(dataDirectory: folder, access: refusal == nil ? .readWrite : .readOnly)
        if let notice = store.notice {
            FileHandle.standardError.write(Data("glmchat: \(notice)\n".utf8))
        }
        if lineByLine {
            return await PlainChat.run(configuration: configuration, provider: provider, store: store, interactive: true,
                                       extraToolSources: options.demo ? [DemoToolSource()] : [],
                                       environment: launch.environment)
        }
        try await TerminalChat.run(options: launch, configuration: configuration, provider: provider, store: store,
                                   extraToolSources: options.demo ? [DemoToolSource()] : [])
        return 0
    } catch {
        FileHandle.standardError.write(Data("glmchat: \(error)\n".utf8))
        return 1
    }
}
