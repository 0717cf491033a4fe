import Foundation

/// How answers are sampled. Defaults are the original chat API's (temperature 0.8, top-p 0.8) with
/// its demos' repetition penalty 1.1 (SPEC section 4). Temperature 0 picks the most likely token.
public struct SamplingSettings: Sendable, Equatable, Codable {
    public var temperature: Float
    public var topP: Float
    /// 0 turns top-k off.
    public var topK: Int
    /// 1 turns it off (HF semantics: positive logits divided, negative multiplied).
    public var repetitionPenalty: Float
    /// nil: up to the end of the context window (or the caller's limit).
    public var maxNewTokens: Int?
    /// nil: a fresh random seed for every answer (the answer records the one it used).
    public var seed: UInt64?

    public init(temperature: Float = 0.8, topP: Float = 0.8, topK: Int = 0, repetitionPenalty: Float = 1.1,
                maxNewTokens: Int? = nil, seed: UInt64? = nil) {
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.repetitionPenalty = repetitionPenalty
        self.maxNewTokens = maxNewTokens
        self.seed = seed
    }

    public static let `default` = SamplingSettings()
    /// The most likely token every time, no penalty: the same prompt always gives the same answer.
    public static let greedy = SamplingSettings(temperature: 0, topP: 1, topK: 0, repetitionPenalty: 1, seed: 0)

    public func validate() throws {
        guard temperature >= 0, temperature.isFinite else { throw GLMError(.badValue, "temperature must be >= 0, got \(temperature)") }
        guard topP > 0, topP <= 1 else { throw GLMError(.badValue, "top-p must be in (0, 1], got \(topP)") }
        guard topK >= 0 else { throw GLMError(.badValue, "top-k must be >= 0, got \(topK)") }
        guard repetitionPenalty > 0, repetitionPenalty.isFinite else {
            throw GLMError(.badValue, "repetition penalty must be > 0, got \(repetitionPenalty)")
        }
        if let maxNewTokens, maxNewTokens < 1 { throw GLMError(.badValue, "max new tokens must be >= 1, got \(maxNewTokens)") }
    }
}

/// A saved conversation.
public struct Session: Sendable, Equatable, Identifiable {
    public var id: SessionID
    /// Empty until the first user message gives one; see `displayTitle`. Kept whole: screens cut it.
    public var title: String
    /// True once the user renamed the session: automatic titles never replace it.
    public var titleIsCustom: Bool
    /// The kind of model the session was started with.
    public var modelKind: String
    /// The model the session was started with.
    public var modelName: String
    /// Sent before every turn (the `<|system|>` message); "/system" sets it.
    public var systemPrompt: String
    public var sampling: SamplingSettings
    public var createdAt: Date
    /// The last time a message was added or an answer finished: the sidebar's order.
    public var updatedAt: Date
    public var isArchived: Bool
    /// Chat, Tool or Code (the original demo's modes).
    public var mode: SessionMode
    /// The tool list that goes into the system message (exactly as sent), nil when none is offered.
    public var tools: JSONValue?

    public init(id: SessionID = .random(), title: String = "", titleIsCustom: Bool = false, modelKind: String,
                modelName: String, systemPrompt: String = "", sampling: SamplingSettings = .default,
                createdAt: Date = Date(), updatedAt: Date = Date(), isArchived: Bool = false,
                mode: SessionMode = .chat, tools: JSONValue? = nil) {
        self.id = id
        self.title = title
        self.titleIsCustom = titleIsCustom
        self.modelKind = modelKind
        self.modelName = modelName
        self.systemPrompt = systemPrompt
        self.sampling = sampling
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.isArchived = isArchived
        self.mode = mode
        self.tools = tools
    }

    public static let untitled = "New chat"
    public var displayTitle: String { title.isEmpty ? Session.untitled : title }
}

/// What a caller provides to start a session.
public struct NewSession: Sendable, Equatable {
    public var modelKind: String
    public var modelName: String
    public var systemPrompt: String
    public var sampling: SamplingSettings
    /// A title the user chose; nil: named after the first user message.
    public var title: String?
    public var mode: SessionMode
    public var tools: JSONValue?

    public init(modelKind: String, modelName: String, systemPrompt: String = "",
                sampling: SamplingSettings = .default, title: String? = nil, mode: SessionMode = .chat,
                tools: JSONValue? = nil) {
        self.modelKind = modelKind
        self.modelName = modelName
        self.systemPrompt = systemPrompt
        self.sampling = sampling
        self.title = title
        self.mode = mode
        self.tools = tools
    }
}
