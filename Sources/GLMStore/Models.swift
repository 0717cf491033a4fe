import Foundation

/// A session's id: a lowercase UUID. The CLI also accepts any unique prefix of it.
public struct SessionID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public static func random() -> SessionID { SessionID(UUID().uuidString.lowercased()) }
    public var description: String { rawValue }
    public static func < (a: SessionID, b: SessionID) -> Bool { a.rawValue < b.rawValue }
}

/// A message's id: a lowercase UUID, stable across export and import.
public struct MessageID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public static func random() -> MessageID { MessageID(UUID().uuidString.lowercased()) }
    public var description: String { rawValue }
}

/// The ChatGLM3 roles (`<|system|>`, `<|user|>`, `<|assistant|>`, `<|observation|>`).
public enum MessageRole: String, Sendable, CaseIterable {
    case system, user, assistant, observation
}

/// Where a message stands. Only assistant answers are ever anything but `complete`.
public enum MessageState: String, Sendable, CaseIterable {
    /// Still being written by a live glmchat process.
    case streaming
    case complete
    /// The user stopped the answer; the text written so far is kept.
    case stopped
    /// Generation failed, or the process died mid-answer; `error` says why.
    case failed
}

/// How answers are sampled in a session. The store keeps what it is given; defaults are ChatGLM3's.
public struct SamplingSettings: Sendable, Equatable {
    public var temperature: Double
    public var topP: Double
    /// 0 turns top-k off.
    public var topK: Int
    public var repetitionPenalty: Double
    /// nil: up to the end of the context window.
    public var maxNewTokens: Int?
    /// nil: a fresh random seed for every answer.
    public var seed: Int64?

    public init(temperature: Double = 0.8, topP: Double = 0.8, topK: Int = 0,
                repetitionPenalty: Double = 1.0, maxNewTokens: Int? = nil, seed: Int64? = nil) {
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.repetitionPenalty = repetitionPenalty
        self.maxNewTokens = maxNewTokens
        self.seed = seed
    }

    public static let `default` = SamplingSettings()
}

public struct Session: Sendable, Equatable, Identifiable {
    public var id: SessionID
    /// Empty until the first user message gives one; see `displayTitle`.
    public var title: String
    /// True once the user renamed the session: automatic titles never replace it.
    public var titleIsCustom: Bool
    /// `chat`, `base` or `chat-32k` (GLMEngine's `ModelKind` raw values).
    public var modelKind: String
    /// The model file or name the session was started with.
    public var modelName: String
    public var systemPrompt: String
    public var sampling: SamplingSettings
    public var createdAt: Date
    /// The last time a message was added or an answer finished: the sidebar's order.
    public var updatedAt: Date
    public var isArchived: Bool

    public static let untitled = "New chat"
    public var displayTitle: String { title.isEmpty ? Session.untitled : title }
}

public struct Message: Sendable, Equatable, Identifiable {
    public var id: MessageID
    public var sessionID: SessionID
    public var role: MessageRole
    public var content: String
    /// ChatGLM3's per-message metadata line: a tool name for a tool call, `interpreter` for code.
    public var metadata: String
    /// Which model wrote it (assistant messages).
    public var model: String?
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var tokensPerSecond: Double?
    public var createdAt: Date
    /// When the answer finished (complete, stopped or failed); nil while streaming.
    public var finishedAt: Date?
    public var state: MessageState
    /// Why a failed answer failed.
    public var error: String?
}

/// What a caller provides to start a session.
public struct NewSession: Sendable, Equatable {
    public var modelKind: String
    public var modelName: String
    public var systemPrompt: String
    public var sampling: SamplingSettings
    public var title: String?

    public init(modelKind: String, modelName: String, systemPrompt: String = "",
                sampling: SamplingSettings = .default, title: String? = nil) {
        self.modelKind = modelKind
        self.modelName = modelName
        self.systemPrompt = systemPrompt
        self.sampling = sampling
        self.title = title
    }
}

/// A finished message to append: a user turn, an observation, or an answer written in one piece.
public struct NewMessage: Sendable, Equatable {
    public var role: MessageRole
    public var content: String
    public var metadata: String
    public var model: String?
    public var stats: AnswerStats?

    public init(role: MessageRole, content: String, metadata: String = "", model: String? = nil,
                stats: AnswerStats? = nil) {
        self.role = role
        self.content = content
        self.metadata = metadata
        self.model = model
        self.stats = stats
    }
}

/// The numbers an answer ends with.
public struct AnswerStats: Sendable, Equatable {
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var tokensPerSecond: Double?

    public init(promptTokens: Int? = nil, completionTokens: Int? = nil, tokensPerSecond: Double? = nil) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.tokensPerSecond = tokensPerSecond
    }
}

/// Which sessions a listing shows.
public enum ArchiveFilter: Sendable {
    case active, archived, all
}

/// Unambiguous names for clients with types of their own called `SessionID`, `Message`, ... (the
/// module and its main class share the name `GLMStore`, so `GLMStore.SessionID` cannot qualify them).
public typealias StoreSessionID = SessionID
public typealias StoreMessageID = MessageID
public typealias StoreMessage = Message
public typealias StoreMessageState = MessageState
