import GLMEngine
import GLMOpenAI

/// A model the server answers with: the name clients ask for, the backend that answers chats, and
/// for a local model the engine behind it (its tokenizer for `/tokenize`, the chat prompt for the
/// window check, plain completion). A scripted backend (`--scripted`) has no engine.
public struct ServedModel: Sendable {
    public let name: String
    public let chat: any ChatBackend
    public let local: LocalChatBackend?
    /// Set when answers decode together (`--parallel` above 1).
    public let batched: BatchedChatBackend?

    public init(name: String, chat: any ChatBackend, local: LocalChatBackend?) {
        self.name = name
        self.chat = chat
        self.local = local
        batched = nil
    }

    public init(local: LocalChatBackend) {
        self.init(name: local.info.name, chat: local, local: local)
    }

    /// A local model whose answers decode together.
    public init(batched: BatchedChatBackend) {
        name = batched.info.name
        chat = batched
        local = batched.local
        self.batched = batched
    }

    /// Plain completion, through the batch when there is one (the engine and the batch must not both run the model).
    func complete(_ prompt: [Int32], settings: ReplySettings,
                  onEvent: @escaping @Sendable (ChatEvent) -> Void) async throws -> (FinishReason, GenerationStats) {
        if let batched { return try await batched.complete(prompt, settings: settings, onEvent: onEvent) }
        let local = try engine(for: "plain completion")
        return try await local.complete(prompt, settings: settings, onEvent: onEvent)
    }

    var info: ModelInfo { chat.info }

    /// A 400 (`context_length_exceeded`) before the answer starts when it alone needs more KV memory
    /// than the batch's budget (`--kv-budget-mb`): its prompt plus `max_tokens` (the window when not
    /// given), as the decoder reserves them. Without the check the answer would fail mid-way as a 500.
    func checkMemoryBudget(_ request: GenerationRequest, promptField: String) throws(APIError) {
        guard let decoder = batched?.decoder else { return }
        let needed: (prompt: Int, total: Int)
        do {
            needed = try decoder.reservedPositions(request)
        } catch {
            throw APIError.contextLengthExceeded("\(error)", param: promptField)
        }
        let allowed = decoder.budgetPositions
        guard needed.total > allowed else { return }
        let budget = "the server's KV budget (--kv-budget-mb) holds \(allowed) tokens per answer"
        if needed.prompt >= allowed {
            throw APIError.contextLengthExceeded("The prompt has \(needed.prompt) tokens; \(budget)", param: promptField)
        }
        throw APIError.contextLengthExceeded(
            "This answer needs \(needed.total) tokens (\(needed.prompt) in the prompt, \(needed.total - needed.prompt) to "
                + "generate); \(budget): ask for max_tokens of at most \(allowed - needed.prompt)",
            param: "max_tokens")
    }

    /// The engine, or a 400 naming what this model cannot do without one.
    func engine(for what: String) throws(APIError) -> LocalChatBackend {
        guard let local else { throw APIError.unsupported("model", "the model \(name) answers from a script: it has no tokenizer for \(what)") }
        return local
    }
}

/// The models a server holds, found by name (by bytes); a request without `model` gets the first.
public struct ServedModels: Sendable {
    public let all: [ServedModel]

    public init(_ models: [ServedModel]) {
        all = models
    }

    func resolve(_ name: String?) throws(APIError) -> ServedModel {
        guard let name, !name.isEmpty else {
            guard let first = all.first else { throw APIError.server("the server holds no model") }
            return first
        }
        guard let model = all.first(where: { $0.name.isByteEqual(to: name) }) else {
            throw APIError.modelNotFound(name, available: all.map(\.name))
        }
        return model
    }
}
