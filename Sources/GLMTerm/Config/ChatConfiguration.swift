import GLMStore
import Foundation
import GLMEngine
import GLMRemote
import TOMLKit

/// `$XDG_CONFIG_HOME/glmchat/config.toml`:
///
///     theme = "dark"            # optional; --theme overrides it
///     model = "glm3-chat"       # optional; the model loaded first (default: the first listed)
///     slide = "exact"           # optional; how a full window slides: exact (equals a fresh run
///                               # over the kept text) or shift (drifts); --slide overrides it
///
///     [[models]]
///     name = "glm3-chat"
///     kind = "chat"             # chat, base or chat-32k
///     path = "~/models/chatglm3-6b-q4_0.gguf"   # a GGUF file or a Hugging Face directory
///     ctx_size = 4096           # optional; a window smaller than the model's (--ctx-size overrides it)
///
///     [[models]]                # a model served elsewhere over the OpenAI API
///     name = "team-glm"
///     kind = "chat"
///     backend = "openai"        # local (the default) or openai
///     url = "http://gpu-box:8000/v1"
///     model = "chatglm3-6b"     # the model's name on that server
///     api_key_env = "TEAM_KEY"  # optional; the environment variable holding the API key
public struct ChatConfiguration: Equatable, Sendable {
    public var models: [ModelEntry] = []
    public var theme: String?
    public var initialModel: String?
    public var slide: SlidePolicy?

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
            case "models":
                guard let array = table[key]?.array else { throw ConfigError(path: path, "models must be an array of tables: [[models]]") }
                for (index, element) in array.enumerated() {
                    guard let entry = element.table else { throw ConfigError(path: path, "models[\(index)] must be a table") }
                    configuration.models.append(try model(entry, index: index, path: path, home: home))
                }
            default:
                throw ConfigError(path: path, "unknown key '\(key)' (known: theme, model, slide, [[models]])")
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
        let known: Set<String> = ["name", "kind", "path", "ctx_size", "backend", "url", "model", "api_key_env"]
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
        let backend = table["backend"].map { $0.string ?? "" } ?? "local"
        switch backend {
        case "local":
            for key in ["url", "model", "api_key_env"] where table[key] != nil {
                throw ConfigError(path: path, "model '\(name)': \(key) is for backend = \"openai\"")
            }
            guard let modelPath = table["path"]?.string, !modelPath.isEmpty else {
                throw ConfigError(path: path, "model '\(name)' needs path = \"…\" (a GGUF file or a Hugging Face directory)")
            }
            return ModelEntry(name: name, kind: kind, path: expandTilde(modelPath, home: home), contextSize: contextSize)
        case "openai":
            guard table["path"] == nil else {
                throw ConfigError(path: path, "model '\(name)': a backend = \"openai\" model has url and model, not path")
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
            return ModelEntry(name: name, kind: kind, remote: endpoint, contextSize: contextSize)
        default:
            throw ConfigError(path: path, "model '\(name)': backend must be \"local\" or \"openai\", not '\(backend)'")
        }
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
    public mutating func addModel(path: String, kind: ModelKind? = nil) {
        let fileName = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let lowered = fileName.lowercased()
        let guessed: ModelKind = lowered.contains("32k") ? .chat32k : (lowered.contains("base") ? .base : .chat)
        var name = fileName.isEmpty ? "model" : fileName
        var suffix = 2
        while models.contains(where: { $0.name == name }) {
            name = "\(fileName)-\(suffix)"
            suffix += 1
        }
        models.insert(ModelEntry(name: name, kind: kind ?? guessed, path: path), at: 0)
        initialModel = name
    }

    /// Where themes are looked for: the user's config directory, then `share/glmchat/themes`
    /// beside the executable, then `themes/` in the working directory (a source checkout).
    public static func themeDirectories(environment: [String: String], executablePath: String) -> [URL] {
        let executable = URL(fileURLWithPath: executablePath).resolvingSymlinksInPath()
        return [
            directory(environment: environment).appendingPathComponent("themes"),
            executable.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("share/glmchat/themes"),
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("themes"),
        ]
    }

    /// The smallest window worth chatting in: a system prompt and a turn or two.
    public static let minimumContextSize = 64

    static func expandTilde(_ path: String, home: String?) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        return (home ?? NSHomeDirectory()) + path.dropFirst()
    }
}
