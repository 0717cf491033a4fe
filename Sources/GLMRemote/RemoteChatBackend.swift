import AsyncHTTPClient
import Foundation
import GLMEngine
import GLMOpenAI
import NIOCore
import NIOHTTP1

/// A model served over the OpenAI API as a `ChatBackend`: the app and `glmchat run` stream from it
/// exactly as from the local engine. Chat models use `/chat/completions` (tools as `tools`, tool
/// turns as `tool_calls`, observations as `tool` messages), the base model `/completions`.
/// Cancelling the calling task cancels the HTTP request; an error carries the server's message; a
/// connection that drops mid-answer ends it as failed, keeping what was written. For ChatGLM3 the
/// request names its stop ids (`stop_token_ids`, which vLLM and SGLang read and others ignore).
public final class RemoteChatBackend: ChatBackend {
    public let info: ModelInfo
    public let endpoint: RemoteEndpoint
    private let apiKey: String?
    private let client: HTTPClient
    /// What goes before the base model's text in a `/completions` prompt: `[gMASK]sop` for a
    /// server that sends the text to the model as it is (llama-server), else nothing (vLLM's
    /// tokenizer and glmchat serve put ChatGLM3's prefix in front themselves).
    let completionPrefix: String

    /// The client remote backends use by default. AsyncHTTPClient's shared client gives up after 90 s
    /// without a byte, but a CPU server reading a long prompt sends nothing for minutes before its
    /// first token (llama-server reads 2048 tokens of the 6B model in about 2.5 minutes here), and
    /// that answer failed as "broke mid-answer (readTimeout)". This one has no idle limit; an answer
    /// that has started is bounded by `stallLimit` instead. Process-wide, never shut down.
    public static let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(timeout: answerTimeout))
    static let answerTimeout = HTTPClient.Configuration.Timeout(connect: .seconds(15), read: nil)

    /// How long an answer that has started may go without a byte from the server before it is given
    /// up (its text kept): a server whose engine died behind a live HTTP front end (vLLM stopped with
    /// SIGTERM waits for the connection forever) would otherwise leave it generating until Esc. Long
    /// because a CPU server reading another user's long prompt can pause a stream for minutes.
    let stallLimit: Duration

    /// ChatGLM3's `</s>`, `<|user|>`, `<|observation|>` in the real vocabulary (SPEC section 4).
    public static let chatGLM3StopIDs: [Int32] = [2, 64795, 64797]

    public var stopTokenIDs: [Int32] { info.kind.usesChatFormat ? Self.chatGLM3StopIDs : [2] }

    public init(endpoint: RemoteEndpoint, kind: ModelKind, apiKey: String?, contextWindow: Int? = nil,
                completionPrefix: String = "", stallLimit: Duration = .seconds(300), client: HTTPClient = RemoteChatBackend.client) {
        self.endpoint = endpoint
        self.stallLimit = stallLimit
        self.completionPrefix = completionPrefix
        info = ModelInfo(name: endpoint.displayName, kind: kind, quantization: "remote",
                         contextWindow: contextWindow ?? kind.trainedWindow)
        self.apiKey = apiKey
        self.client = client
    }

    /// Asks the server for its models (`GET /models`) to check the address, the key and the name,
    /// and takes the window from the listing when the server gives it (vLLM's `max_model_len`,
    /// llama-server's `meta.n_ctx`, the window it was started with, else `meta.n_ctx_train`).
    public static func connect(_ endpoint: RemoteEndpoint, kind: ModelKind, apiKey: String?, contextWindow: Int? = nil,
                               client: HTTPClient = RemoteChatBackend.client) async throws -> RemoteChatBackend {
        try endpoint.validate()
        let listing = try await send(.GET, endpoint.baseURL + "/models", body: nil, apiKey: apiKey, client: client, timeout: .seconds(15))
        let entry = try listedEntry(listing, serving: endpoint)     // also checks the model is served
        let window = contextWindow ?? Self.window(listedIn: entry)
        let llamaServer = isLlamaServer(entry)
        if kind.usesChatFormat, llamaServer {
            try await checkLlamaServerChatFormat(endpoint, apiKey: apiKey, client: client)
            try await checkLlamaServerStops(endpoint, apiKey: apiKey, client: client)
        }
        return RemoteChatBackend(endpoint: endpoint, kind: kind, apiKey: apiKey, contextWindow: window,
                                 completionPrefix: kind.usesChatFormat ? "" : completionPrefix(llamaServer: llamaServer),
                                 client: client)
    }

    /// ChatGLM3's `[gMASK]sop` for llama-server: it tokenizes a `/completions` prompt as it is
    /// (special tokens spelled out are read as such) and adds no prefix, since llama.cpp's ChatGLM3
    /// files say `add_bos_token = false`.
    static func completionPrefix(llamaServer: Bool) -> String { llamaServer ? "[gMASK]sop" : "" }

    /// Whether a listing entry is llama-server's: `"owned_by": "llamacpp"`.
    static func isLlamaServer(_ entry: JSONValue?) -> Bool {
        entry?["owned_by"]?.stringValue?.isByteEqual(to: "llamacpp") == true
    }

    /// The window a model listing gives for the endpoint's model (nil when it gives none, as ollama's
    /// and OpenAI's do); throws when the listing names other models only. llama-server lists the
    /// window it serves (`-c`, `meta.n_ctx`) beside the one the model was trained for
    /// (`meta.n_ctx_train`); a prompt longer than the first is refused, so that one counts.
    static func listedWindow(_ listing: JSONValue, serving endpoint: RemoteEndpoint) throws -> Int? {
        window(listedIn: try listedEntry(listing, serving: endpoint))
    }

    /// The window a listing entry gives (see `listedWindow`).
    static func window(listedIn entry: JSONValue?) -> Int? {
        guard let listed = entry else { return nil }
        return [listed["max_model_len"], listed["context_length"], listed["meta"]?["n_ctx"], listed["meta"]?["n_ctx_train"]]
            .compactMap { value -> Int? in if case .int(let number)? = value, number > 0 { number } else { nil } }.first
    }

    /// The listing's entry for the endpoint's model (the only one, when it lists one); nil when the
    /// listing has no `data`; throws when it names other models only.
    static func listedEntry(_ listing: JSONValue, serving endpoint: RemoteEndpoint) throws -> JSONValue? {
        guard case .array(let models)? = listing["data"] else { return nil }
        let ids = models.compactMap { $0["id"]?.stringValue }
        let entry = models.first { $0["id"]?.stringValue?.isByteEqual(to: endpoint.model) == true }
        guard let listed = entry ?? (ids.count == 1 ? models.first : nil) else {
            throw GLMError(.notFound, "\(endpoint.baseURL) does not serve \(endpoint.model) (it serves: \(ids.joined(separator: ", ")))")
        }
        return listed
    }

    public func reply(to conversation: Conversation, settings: ReplySettings,
                      onEvent: @escaping @Sendable (ChatEvent) -> Void) async throws -> (FinishReason, GenerationStats) {
        let chat = info.kind.usesChatFormat
        let body = requestBody(conversation, settings: settings, chat: chat)
        let path = chat ? "/chat/completions" : "/completions"
        var request = HTTPClientRequest(url: endpoint.baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "text/event-stream")
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer " + apiKey) }
        request.body = .bytes(ByteBuffer(string: body.pythonDumps()))
        let start = RemoteReplyReader(contextWindow: info.contextWindow, stopIDs: stopTokenIDs, onEvent: onEvent)
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .hours(24))
        } catch {
            if Task.isCancelled { return (.cancelled, start.stats) }
            throw GLMError(.io, "cannot reach \(endpoint.baseURL): \(Self.describe(error))")
        }
        guard response.status == .ok else {
            let text = try? await response.body.collect(upTo: 1 << 20)
            throw GLMError(.io, "\(endpoint.baseURL) answered \(response.status.code) \(response.status.reasonPhrase): "
                + Self.serverMessage(text.map { String(buffer: $0) } ?? ""))
        }
        let read = await Self.readStream(response.body, into: start, stallLimit: stallLimit)
        var reader = read.reader
        reader.flushToolCalls()
        if Task.isCancelled { return (.cancelled, reader.stats) }
        if read.stalled {
            return (.failed("\(endpoint.baseURL) sent nothing for \(String(format: "%g", stallLimit.seconds)) s mid-answer (the server may "
                + "have stopped generating); the text so far is kept"), reader.stats)
        }
        if let failure = read.failure {
            if failure is CancellationError { return (.cancelled, reader.stats) }
            return (.failed("the connection to \(endpoint.baseURL) broke mid-answer (\(Self.describe(failure))); the text so far is kept"),
                    reader.stats)
        }
        guard let outcome = reader.outcome else {
            return (.failed("the connection to \(endpoint.baseURL) closed before the answer ended\(read.ended ? "" : " (no [DONE])"); the text so far is kept"),
                    reader.stats)
        }
        return (outcome, reader.stats)
    }

    /// The request: the conversation, its tools, the sampling settings, the stream with usage. The
    /// repetition penalty goes by both its names: `repetition_penalty` (vLLM, SGLang, glmchat serve)
    /// and `repeat_penalty` (llama-server, which ignores the other); each server ignores the name
    /// it does not know. Both are the same multiplicative penalty (llama-server's over its last 64
    /// tokens unless started with another `--repeat-last-n`).
    func requestBody(_ conversation: Conversation, settings: ReplySettings, chat: Bool) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [("model", .string(endpoint.model))]
        if chat {
            let parts = MessageMapping.openAIRequestParts(for: conversation)
            members.append(("messages", parts.messages))
            if let tools = parts.tools { members.append(("tools", tools)) }
            members.append(("stop_token_ids", .array(stopTokenIDs.map { .int(Int($0)) })))
        } else {
            let text = conversation.messages.filter { $0.role != .system }.map(\.content).joined()
            members.append(("prompt", .string(completionPrefix + text)))
        }
        let sampling = settings.sampling
        members += [("stream", .bool(true)), ("stream_options", .object([("include_usage", .bool(true))])),
                    ("temperature", .double(Double(sampling.temperature))), ("top_p", .double(Double(sampling.topP))),
                    ("seed", .int(Int(Int64(bitPattern: settings.seed))))]
        if sampling.topK > 0 { members.append(("top_k", .int(sampling.topK))) }
        if sampling.repetitionPenalty != 1 {
            let penalty = JSONValue.double(Double(sampling.repetitionPenalty))
            members += [("repetition_penalty", penalty), ("repeat_penalty", penalty)]
        }
        if let maxTokens = settings.maxTokens { members.append(("max_tokens", .int(maxTokens))) }
        return .object(members)
    }

    /// A small JSON request (the model listing); errors carry the server's message.
    static func send(_ method: HTTPMethod, _ url: String, body: JSONValue?, apiKey: String?, client: HTTPClient,
                             timeout: TimeAmount) async throws -> JSONValue {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer " + apiKey) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body.pythonDumps()))
        }
        let response: HTTPClientResponse
        let buffer: ByteBuffer
        do {
            response = try await client.execute(request, timeout: timeout)
            buffer = try await response.body.collect(upTo: 8 << 20)
        } catch {
            throw GLMError(.io, "cannot reach \(url): \(describe(error))")
        }
        let text = String(buffer: buffer)
        guard response.status == .ok else {
            throw GLMError(.io, "\(url) answered \(response.status.code) \(response.status.reasonPhrase): \(serverMessage(text))")
        }
        do {
            return try JSONValue.parse(text, source: url)
        } catch {
            throw GLMError(.badFormat, "\(url) did not answer with JSON: \(String(text.prefix(200)))")
        }
    }

    /// The message of an OpenAI-shaped error body, else the body's start.
    static func serverMessage(_ body: String) -> String {
        if let parsed = try? JSONValue.parse(body) {
            if let message = parsed["error"]?["message"]?.stringValue { return message }
            if let message = parsed["error"]?.stringValue ?? parsed["message"]?.stringValue { return message }
        }
        let trimmed = body.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? "(no message)" : String(trimmed.prefix(300))
    }

    static func describe(_ error: Error) -> String {
        if let error = error as? HTTPClientError { return "\(error)" }
        return String(describing: error)
    }
}
