import GLMStore
import Foundation
import GLMEngine
import GLMRemote
import GLMInterpreter
import GLMTools

/// `$XDG_CONFIG_HOME/glmchat/config.toml`: top-level `theme`, `model`, `slide`, `keys` and `[bind]`,
/// and `[[models]]` entries, local (`path`, optional `ctx_size`, `tokenizer`, sampling) or remote
/// (`backend = "openai"`, `url`, `model`, `api_key_env`). The README's "Configuration" shows an example;
/// every unknown key or wrong value is an error naming the file and the entry.
public struct ChatConfiguration: Equatable, Sendable {
    public var models: [ModelEntry] = []
    /// `[interpreter]`: the code interpreter's Python and sandbox limits (ChatConfiguration+Interpreter.swift).
    public var interpreter = InterpreterSettings()
    public var theme: String?
    public var initialModel: String?
    public var slide: SlidePolicy?
    /// `keys` and `[bind]`.
    public var keyMap = KeyMap.standard
    /// `[[tools]]`, `[[mcp_servers]]` and `max_tool_rounds` (ChatConfiguration+Tools.swift).
    public var commandTools: [CommandToolSpec] = []
    public var mcpServers: [MCPServerSpec] = []
    public var maxToolRounds: Int?
    /// `conversation_cache_mb`: KV memory for the caches of sessions switched away from, so that going
    /// back continues from them (nil: one full window of the model; 0: none).
    public var conversationCacheMB: Double?

    public init(models: [ModelEntry] = [], theme: String? = nil, initialModel: String? = nil) {
        self.models = models
        self.theme = theme
        self.initialModel = initialModel
    }

    public static func parse(_ text: String, path: String, home: String? = nil) throws(ConfigError) -> ChatConfiguration {
        let table = try ConfigError.parseTOML(text, path: path)
        var configuration = ChatConfiguration()
        for key in table.keys {
            switch key {
            case "theme":
                guard let theme = table[key]?.string else { throw ConfigError(path: path, "theme must be a string such as \"dark\"") }
                configuration.theme = theme
            case "model":
                guard let model = table[key]?.string else { throw ConfigError(path: path, "model must be the name of one of [[models]]") }
                configuration.initialModel = model
            case "slide":
                guard let text = table[key]?.string, let policy = SlidePolicy(rawValue: text) else {
                    throw ConfigError(path: path, "slide must be \"exact\" or \"shift\"")
                }
                configuration.slide = policy
            case "keys":
                guard let text = table[key]?.string, let style = KeyStyle(rawValue: text) else {
                    throw ConfigError(path: path, "keys must be \"default\" or \"vi\"")
                }
                configuration.keyMap = KeyMap(style: style, bindings: configuration.keyMap.bindings)
            case "bind":
                guard let bindings = table[key]?.table else { throw ConfigError(path: path, "bind must be a table: [bind]") }
                try configuration.keyMap.apply(bindings, path: path)
            case "interpreter":
                configuration.interpreter = try interpreterSettings(table[key] ?? .table(TOMLTable()), path: path)
            case "models":
                guard let array = table[key]?.array else { throw ConfigError(path: path, "models must be an array of tables: [[models]]") }
                for (index, element) in array.enumerated() {
                    guard let entry = element.table else { throw ConfigError(path: path, "models[\(index)] must be a table") }
                    configuration.models.append(try model(entry, index: index, path: path, home: home))
                }
            case "tools":
                configuration.commandTools = try commandTools(table[key], path: path)
            case "mcp_servers":
                configuration.mcpServers = try mcpServers(table[key], path: path)
            case "max_tool_rounds":
                configuration.maxToolRounds = try toolRounds(table[key], path: path)
            case "conversation_cache_mb":
                let value: Double? = switch table[key] {
                case .integer(let number)?: Double(number)
                case .float(let number)?: number
                default: nil
                }
                guard let value, value >= 0, value <= 1_048_576 else {
                    throw ConfigError(path: path, "conversation_cache_mb must be a number of MiB from 0 to 1048576")
                }
                configuration.conversationCacheMB = value
            default:
                throw ConfigError(path: path, "unknown key '\(key)' (known: theme, model, slide, keys, max_tool_rounds, conversation_cache_mb, [bind], [interpreter], [[models]], [[tools]], [[mcp_servers]])")
            }
        }
        var seen = Set<String>()
        for entry in configuration.models where !seen.insert(entry.name).inserted {
            throw ConfigError(path: path, "two models are named '\(entry.name)'")
        }
        if let initial = configuration.initialModel, !seen.contains(initial) {
            throw ConfigError(path: path, "model = \"\(initial)\" names no entry of [[models]]")
        }
        return configuration
    }

    private static func model(_ table: TOMLTable, index: Int, path: String, home: String?) throws(ConfigError) -> ModelEntry {
        let known: Set<String> = Set(["name", "kind", "path", "ctx_size", "tokenizer", "backend", "url", "model", "api_key_env",
                                      "speculate", "cache_type"]
                                     + SamplingField.allCases.map(\.rawValue))
        if let unknown = table.keys.first(where: { !known.contains($0) }) {
            throw ConfigError(path: path, "models[\(index)]: unknown key '\(unknown)' (known: \(known.sorted().joined(separator: ", ")))")
        }
        guard let name = table["name"]?.string, !name.isEmpty else {
            throw ConfigError(path: path, "models[\(index)] needs name = \"…\"")
        }
        guard let kindText = table["kind"]?.string else {
            throw ConfigError(path: path, "model '\(name)' needs kind = \"chat\", \"base\" or \"chat-32k\"")
        }
        guard let kind = ModelKind(rawValue: kindText) else {
            throw ConfigError(path: path, "model '\(name)': kind '\(kindText)' is not chat, base or chat-32k")
        }
        var contextSize: Int?
        if let value = table["ctx_size"] {
            guard let size = value.int, size >= minimumContextSize else {
                throw ConfigError(path: path, "model '\(name)': ctx_size must be a whole number of tokens, at least \(minimumContextSize)")
            }
            contextSize = size
        }
        let sampling = try SamplingField.settings(from: table, model: name, path: path)
        let backend = table["backend"].map { $0.string ?? "" } ?? "local"
        switch backend {
        case "local":
            for key in ["url", "model", "api_key_env"] where table[key] != nil {
                throw ConfigError(path: path, "model '\(name)': \(key) is for backend = \"openai\"")
            }
            guard let modelPath = table["path"]?.string, !modelPath.isEmpty else {
                throw ConfigError(path: path, "model '\(name)' needs path = \"…\" (a GGUF file or a Hugging Face directory)")
            }
            var tokenizer: String?
            if let value = table["tokenizer"] {
                guard let text = value.string, !text.isEmpty else {
                    throw ConfigError(path: path, "model '\(name)': tokenizer must be the path of a tokenizer.model file")
                }
                tokenizer = expandTilde(text, home: home)
            }
            var entry = ModelEntry(name: name, kind: kind, path: expandTilde(modelPath, home: home), contextSize: contextSize,
                                   tokenizer: tokenizer, sampling: sampling)
            if let value = table["speculate"] {
                guard let mode = value.string.flatMap(SpeculationMode.init(rawValue:)) else {
                    throw ConfigError(path: path, "model '\(name)': speculate must be \"ngram\" or \"off\"")
                }
                entry.speculate = mode
            }
            if let value = table["cache_type"] {
                guard let type = value.string.flatMap(KVCacheType.init(rawValue:)) else {
                    throw ConfigError(path: path, "model '\(name)': cache_type must be \"f16\" or \"q8_0\"")
                }
                entry.cacheType = type
            }
            return entry
        case "openai":
            let endpoint = try remoteEndpoint(table, model: name, path: path)
            return ModelEntry(name: name, kind: kind, remote: endpoint, contextSize: contextSize, sampling: sampling)
        default:
            throw ConfigError(path: path, "model '\(name)': backend must be \"local\" or \"openai\", not '\(backend)'")
        }
    }

    /// A `backend = "openai"` entry's server: url, the model's name there, and the key's variable.
    private static func remoteEndpoint(_ table: TOMLTable, model name: String, path: String) throws(ConfigError) -> RemoteEndpoint {
        for key in ["path", "tokenizer", "speculate", "cache_type"] where table[key] != nil {
            throw ConfigError(path: path, "model '\(name)': a backend = \"openai\" model has url and model, not \(key)")
        }
        guard let url = table["url"]?.string, !url.isEmpty else {
            throw ConfigError(path: path, "model '\(name)' needs url = \"http://host:port/v1\"")
        }
        guard let remoteName = table["model"]?.string, !remoteName.isEmpty else {
            throw ConfigError(path: path, "model '\(name)' needs model = \"…\" (the model's name on that server)")
        }
        var variable: String?
        if let value = table["api_key_env"] {
            guard let text = value.string, !text.isEmpty else {
                throw ConfigError(path: path, "model '\(name)': api_key_env must name an environment variable")
            }
            variable = text
        }
        let endpoint = RemoteEndpoint(baseURL: url, model: remoteName, apiKeyVariable: variable)
        do {
            try endpoint.validate()
        } catch {
            throw ConfigError(path: path, "model '\(name)': \(error)")
        }
        return endpoint
    }

    /// The file's directory: `$XDG_CONFIG_HOME/glmchat`, else `~/.config/glmchat`.
    public static func directory(environment: [String: String]) -> URL {
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") {
            return URL(fileURLWithPath: xdg).appendingPathComponent("glmchat")
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".config/glmchat")
    }

    /// Reads config.toml; a missing file is an empty configuration, a broken one an error.
    public static func load(environment: [String: String]) throws(ConfigError) -> ChatConfiguration {
        let url = directory(environment: environment).appendingPathComponent("config.toml")
        guard FileManager.default.fileExists(atPath: url.path) else { return ChatConfiguration() }
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ConfigError(path: url.path, "cannot be read: \(error.localizedDescription)")
        }
        return try parse(text, path: url.path, home: environment["HOME"])
    }

    /// `--model PATH`: adds a model for this run (named after the file, kind guessed from the
    /// name: "32k" → chat-32k, "base" → base, else chat) and makes it the one loaded first.
    public mutating func addModel(path: String, kind: ModelKind? = nil, tokenizer: String? = nil) {
        let fileName = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let lowered = fileName.lowercased()
        let guessed: ModelKind = lowered.contains("32k") ? .chat32k : (lowered.contains("base") ? .base : .chat)
        var name = fileName.isEmpty ? "model" : fileName
        var suffix = 2
        while models.contains(where: { $0.name == name }) {
            name = "\(fileName)-\(suffix)"
            suffix += 1
        }
        models.insert(ModelEntry(name: name, kind: kind ?? guessed, path: path, tokenizer: tokenizer), at: 0)
        initialModel = name
    }

    /// Where the user's own themes are looked for: `themes/` in the config directory. They win over
    /// the themes built into glmchat (`ThemeLoader`), which work from any folder.
    public static func themeDirectories(environment: [String: String]) -> [URL] {
        [directory(environment: environment).appendingPathComponent("themes")]
    }

    /// The smallest window worth chatting in: a system prompt and a turn or two.
    public static let minimumContextSize = 64

    static func expandTilde(_ path: String, home: String?) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        return (home ?? NSHomeDirectory()) + path.dropFirst()
    }
}
