/// Which member of the ChatGLM3 family a model is: it decides the prompt format and the stop tokens.
public enum ModelKind: String, Sendable, CaseIterable, Codable {
    case chat, base
    case chat32k = "chat-32k"

    /// Chat and 32K take the chat format with roles; the base model completes plain text.
    public var usesChatFormat: Bool { self != .base }

    /// The window the model was trained for.
    public var trainedWindow: Int { self == .chat32k ? 32768 : 8192 }

    /// What the status line and the sidebar call it.
    public var label: String {
        switch self {
        case .chat: "chat"
        case .base: "base"
        case .chat32k: "32K"
        }
    }
}

/// What a loaded model (local or remote) tells the front ends.
public struct ModelInfo: Sendable, Equatable {
    /// The name the user knows it by (config.toml's `name`, or the file's).
    public var name: String
    public var kind: ModelKind
    /// How its weights are stored (`Q4_0`, `Q4_K`, ...), or what serves it.
    public var quantization: String
    /// The context window its cache holds.
    public var contextWindow: Int

    public init(name: String, kind: ModelKind, quantization: String, contextWindow: Int) {
        self.name = name
        self.kind = kind
        self.quantization = quantization
        self.contextWindow = contextWindow
    }
}
