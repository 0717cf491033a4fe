import Foundation

/// The ChatGLM3 roles (`<|system|>`, `<|user|>`, `<|assistant|>`, `<|observation|>`).
public enum Role: String, Sendable, CaseIterable, Codable {
    case system, user, assistant, observation
}

/// Where a message stands. Only assistant answers are ever anything but `complete`.
public enum MessageState: String, Sendable, CaseIterable, Codable {
    /// Still being written by a live glmchat process.
    case streaming
    case complete
    /// The user stopped the answer; the text written so far is kept.
    case stopped
    /// Generation failed, or the process died mid-answer; `error` says why.
    case failed
}

/// One message of a conversation, as the store keeps it, the app shows it and the prompt builder reads it.
public struct Message: Sendable, Equatable, Identifiable {
    public var id: MessageID
    public var sessionID: SessionID
    public var role: Role
    public var content: String
    /// ChatGLM3's per-message metadata line: a tool name for a tool call, `interpreter` for code.
    public var metadata: String
    /// Which model wrote it (assistant messages).
    public var model: String?
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var tokensPerSecond: Double?
    /// The sampling seed the answer was drawn with, so it can be drawn again.
    public var seed: UInt64?
    /// Why the answer ended (`stop`, `length`, `cancelled`, `failed`), once it has.
    public var finishReason: String?
    public var createdAt: Date
    /// When the answer finished (complete, stopped or failed); nil while streaming.
    public var finishedAt: Date?
    public var state: MessageState
    /// Why a failed answer failed.
    public var error: String?
    /// The message this one follows (nil: the first of its session). Messages that follow the same
    /// one are alternatives of one turn ("/retry", "/edit"); see `MessageTree`.
    public var parentID: MessageID?
    /// Of a turn's alternatives, the one on the path that is shown and sent to the model.
    public var isChosen: Bool
    /// The files a code block wrote into the session's folder (figures), relative to it: kept with
    /// its result so a reopened transcript names them. Never part of the prompt.
    public var files: [String]

    public init(id: MessageID = .random(), sessionID: SessionID, role: Role, content: String, metadata: String = "",
                model: String? = nil, promptTokens: Int? = nil, completionTokens: Int? = nil,
                tokensPerSecond: Double? = nil, seed: UInt64? = nil, finishReason: String? = nil,
                createdAt: Date = Date(), finishedAt: Date? = nil, state: MessageState = .complete,
                error: String? = nil, parentID: MessageID? = nil, isChosen: Bool = true, files: [String] = []) {
        self.id = id
        self.sessionID = sessionID
        self.role = role
        self.content = content
        self.metadata = metadata
        self.model = model
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.tokensPerSecond = tokensPerSecond
        self.seed = seed
        self.finishReason = finishReason
        self.createdAt = createdAt
        self.finishedAt = finishedAt
        self.state = state
        self.error = error
        self.parentID = parentID
        self.isChosen = isChosen
        self.files = files
    }

    /// The metadata of the mark "/clear" leaves: an empty system message after which the model
    /// forgets everything before it (the session keeps it on screen).
    public static let contextClearedMarker = "glmchat:context-cleared"

    public var isContextClear: Bool { role == .system && metadata.isByteEqual(to: Self.contextClearedMarker) }
}

/// A finished message to append: a user turn, an observation, or an answer written in one piece.
public struct NewMessage: Sendable, Equatable {
    public var role: Role
    public var content: String
    public var metadata: String
    public var model: String?
    public var stats: GenerationStats?
    /// The files the code block wrote (an interpreter result's); see `Message.files`.
    public var files: [String]

    public init(role: Role, content: String, metadata: String = "", model: String? = nil, stats: GenerationStats? = nil,
                files: [String] = []) {
        self.role = role
        self.content = content
        self.metadata = metadata
        self.model = model
        self.stats = stats
        self.files = files
    }
}
