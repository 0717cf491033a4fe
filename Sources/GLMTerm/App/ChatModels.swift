import Foundation

/// The three ChatGLM3-6B variants. A base model does plain completion; the context window
/// follows the model.
public enum ModelKind: String, Sendable, CaseIterable, Codable {
    case chat
    case base
    case chat32k = "chat-32k"

    public var contextWindow: Int {
        switch self {
        case .chat, .base: return 8192
        case .chat32k: return 32768
        }
    }

    public var isCompletion: Bool { self == .base }

    /// What the status line calls it.
    public var label: String {
        switch self {
        case .chat: return "chat"
        case .base: return "base"
        case .chat32k: return "32K"
        }
    }
}

/// One configured model: a name the user picks, its kind, and a GGUF file or Hugging Face directory.
public struct ModelEntry: Equatable, Sendable {
    public var name: String
    public var kind: ModelKind
    public var path: String
    /// `ctx_size`: a window smaller than the model's (less memory for the KV cache), or nil.
    public var contextSize: Int?

    public init(name: String, kind: ModelKind, path: String, contextSize: Int? = nil) {
        self.name = name
        self.kind = kind
        self.path = path
        self.contextSize = contextSize
    }
}

/// What a loaded model tells the status line.
public struct LoadedModel: Equatable, Sendable {
    public var name: String
    public var kind: ModelKind
    public var quantization: String
    public var contextWindow: Int

    public init(name: String, kind: ModelKind, quantization: String, contextWindow: Int) {
        self.name = name
        self.kind = kind
        self.quantization = quantization
        self.contextWindow = contextWindow
    }
}

public typealias SessionID = Int64
public typealias MessageID = Int64

public enum MessageRole: String, Sendable, Codable {
    case user, assistant, system
    /// "/clear": the model forgets everything before this point; the session keeps it on screen.
    case contextCleared = "context-cleared"
}

public enum MessageState: Equatable, Sendable {
    case complete
    case streaming
    case stopped
    case failed(String)
}

public struct ChatMessage: Equatable, Sendable {
    public var id: MessageID
    public var role: MessageRole
    public var text: String
    public var state: MessageState

    public init(id: MessageID, role: MessageRole, text: String, state: MessageState = .complete) {
        self.id = id
        self.role = role
        self.text = text
        self.state = state
    }
}

public struct SessionSummary: Equatable, Sendable {
    public var id: SessionID
    public var title: String
    public var updatedAt: Date
    public var isArchived: Bool

    public init(id: SessionID, title: String, updatedAt: Date, isArchived: Bool = false) {
        self.id = id
        self.title = title
        self.updatedAt = updatedAt
        self.isArchived = isArchived
    }
}
