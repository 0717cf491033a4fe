import Foundation
import GLMEngine
import GLMOpenAI

/// Tells when a client's connection closes (so its answer stops at once).
public protocol ConnectionWatch: Sendable {
    func onClose(_ action: @escaping @Sendable () -> Void)
}

/// What an endpoint answers: a JSON document, or server-sent events ending with `data: [DONE]`
/// (with a way to stop the answer when the client can no longer be written to).
public enum ServiceReply: Sendable {
    case json(JSONValue)
    case events(AsyncStream<String>, stop: @Sendable () -> Void)
}

/// The OpenAI-compatible API without HTTP: each endpoint takes the request's JSON and answers, so the
/// HTTP layer only reads bodies, checks keys and writes replies. It admits requests through each
/// model's `RequestGate`, runs answers as `Generation`s, and stops them all at shutdown.
public final class OpenAIService: @unchecked Sendable {
    public let models: ServedModels
    let gates: [RequestGate]
    let metrics: ServerMetrics
    let log: ServerLog
    private let lock = NSLock()
    private var active: [ObjectIdentifier: Generation] = [:]
    private var closing = false

    public init(models: ServedModels, parallel: Int, queueLimit: Int, metrics: ServerMetrics, log: ServerLog) {
        self.models = models
        gates = models.all.map { _ in RequestGate(parallel: parallel, queueLimit: queueLimit) }
        self.metrics = metrics
        self.log = log
    }

    func gate(for model: ServedModel) -> RequestGate {
        let index = models.all.firstIndex { $0.name.isByteEqual(to: model.name) } ?? 0
        return gates[index]
    }

    public var isClosing: Bool { lock.withLock { closing } }

    // MARK: Answers at work

    func register(_ generation: Generation) -> Bool {
        lock.withLock {
            guard !closing else { return false }
            active[ObjectIdentifier(generation)] = generation
            return true
        }
    }

    func unregister(_ generation: Generation) {
        lock.withLock { active[ObjectIdentifier(generation)] = nil }
    }

    public var activeAnswers: Int { lock.withLock { active.count } }

    /// Shutdown, step one: refuse new requests and fail the queued ones (503).
    public func beginShutdown() {
        lock.withLock { closing = true }
        for gate in gates { gate.close() }
    }

    /// Shutdown, step two (after a grace period): stop the answers still being written.
    public func stopAllAnswers() {
        let running = lock.withLock { Array(active.values) }
        for generation in running { generation.stop(.shutdown) }
    }

    // MARK: Small endpoints

    public func listModels() -> JSONValue {
        let created = Int(Date().timeIntervalSince1970)
        return .object([("object", .string("list")), ("data", .array(models.all.map { model in
            .object([("id", .string(model.name)), ("object", .string("model")), ("created", .int(created)),
                     ("owned_by", .string("glmchat")), ("max_model_len", .int(model.info.contextWindow)),
                     ("kind", .string(model.info.kind.rawValue))])
        }))])
    }

    public func metricsText() -> String {
        var text = metrics.render(gates: zip(models.all, gates).map { ($0.name, $1) })
        let batched = models.all.compactMap { model in model.batched.map { (model.name, $0.decoder) } }
        if !batched.isEmpty {
            func family(_ name: String, _ help: String, _ value: (BatchDecoder) -> Int) {
                text += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
                for (model, decoder) in batched { text += "\(name){model=\"\(ServerMetrics.escape(model))\"} \(value(decoder))\n" }
            }
            family("glmchat_kv_budget_bytes", "The KV memory the answers decoding together may reserve.") { $0.memoryBudgetBytes }
            family("glmchat_kv_reserved_bytes", "KV memory reserved by the answers decoding now and held by kept prefixes.") { $0.kvReservedBytes.now }
            family("glmchat_kv_prefix_cache_bytes", "KV memory held by finished answers kept for requests that start the same way.") { $0.prefixCacheBytes }
            family("glmchat_kv_reserved_peak_bytes", "The most KV memory reserved at once.") { $0.kvReservedBytes.peak }
            family("glmchat_batch_running", "Answers decoding together now.") { $0.counts.running }
        }
        return text
    }

    /// `POST /tokenize` (vLLM's shape): the ids the model reads for a prompt or a conversation.
    public func tokenize(_ body: JSONValue) async throws(APIError) -> JSONValue {
        let request = try TokenizeRequest.parse(body)
        let model = try models.resolve(request.model)
        let local = try model.engine(for: "/tokenize")
        let tokenizer = local.engine.tokenizer
        var ids: [Int32]
        switch request.input {
        case .prompt(let text, let special):
            ids = special ? tokenizer.encodePlain(text) : tokenizer.encode(text)
        case .chat(let conversation, let generationPrompt):
            ids = await local.prompt(for: conversation).tokens
            if !generationPrompt, model.info.kind.usesChatFormat, ids.last == tokenizer.id(.assistant) { ids.removeLast() }
        }
        return .object([("count", .int(ids.count)), ("max_model_len", .int(model.info.contextWindow)),
                        ("tokens", .array(ids.map { .int(Int($0)) }))])
    }

    /// `POST /detokenize`: the text of ids, special tokens shown as their text.
    public func detokenize(_ body: JSONValue) throws(APIError) -> JSONValue {
        let request = try DetokenizeRequest.parse(body)
        let model = try models.resolve(request.model)
        let tokenizer = try model.engine(for: "/detokenize").engine.tokenizer
        try checkVocabulary(request.tokens, tokenizer: tokenizer, field: "tokens")
        return .object([("prompt", .string(tokenizer.decode(request.tokens, showSpecialTokens: true)))])
    }

    func checkVocabulary(_ ids: [Int32], tokenizer: Tokenizer, field: String) throws(APIError) {
        if let index = ids.firstIndex(where: { Int($0) >= tokenizer.realVocabSize }) {
            throw APIError.invalid("\(field)[\(index)]", "\(field)[\(index)] = \(ids[index]) is not a token id of this model (it has \(tokenizer.realVocabSize))")
        }
    }
}

/// The server's log: one line per event on stderr, written whole.
public final class ServerLog: @unchecked Sendable {
    private let lock = NSLock()
    private let write: @Sendable (String) -> Void

    public init(write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) {
        self.write = write
    }

    public func callAsFunction(_ line: String) {
        lock.withLock { write("glmchat serve: " + line) }
    }
}
