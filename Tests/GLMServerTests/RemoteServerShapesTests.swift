import Foundation
import Testing
@testable import GLMEngine
@testable import GLMOpenAI
@testable import GLMRemote

/// The app as a client of other serving engines, on the shapes each one sends: its model listing
/// (and the window in it), a streamed answer as it arrives on the wire, and its error bodies. No
/// vLLM, llama-server or ollama can run here (no GPU, no network beyond package mirrors; vLLM's CPU
/// build and llama-cpp-python build from source, ollama is not packaged), so these are their
/// documented shapes, written out by hand, with the fields that set each apart.
@Suite struct RemoteServerShapesTests {
    typealias Events = RemoteReadingTests.Events

    struct Server {
        var name: String
        var listing: String
        var window: Int?
        var stream: String
        var errorBody: String
        var errorMessage: String
    }

    static let vllm = Server(
        name: "vLLM",
        listing: #"{"object":"list","data":[{"id":"THUDM/chatglm3-6b","object":"model","created":1733212800,"owned_by":"vllm","root":"THUDM/chatglm3-6b","parent":null,"max_model_len":8192,"permission":[{"id":"modelperm-1","object":"model_permission","allow_sampling":true}]}]}"#,
        window: 8192,
        stream: [
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1733212800,"model":"THUDM/chatglm3-6b","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}"#,
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1733212800,"model":"THUDM/chatglm3-6b","choices":[{"index":0,"delta":{"content":"你好"},"logprobs":null,"finish_reason":null}]}"#,
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1733212800,"model":"THUDM/chatglm3-6b","choices":[{"index":0,"delta":{"content":", Paris."},"logprobs":null,"finish_reason":"stop","stop_reason":2}]}"#,
            #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1733212800,"model":"THUDM/chatglm3-6b","choices":[],"usage":{"prompt_tokens":21,"total_tokens":25,"completion_tokens":4}}"#,
            "[DONE]",
        ].map { "data: \($0)\n\n" }.joined(),
        errorBody: #"{"object":"error","message":"This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.","type":"BadRequestError","param":null,"code":400}"#,
        errorMessage: "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.")

    static let llamaServer = Server(
        name: "llama-server",
        listing: #"{"object":"list","data":[{"id":"chatglm3-6b-q4_0.gguf","object":"model","created":1733212800,"owned_by":"llamacpp","meta":{"vocab_type":1,"n_vocab":65024,"n_ctx_train":8192,"n_embd":4096,"n_params":6243584000,"size":3610000000}}]}"#,
        window: 8192,
        stream: [
            #"{"choices":[{"finish_reason":null,"index":0,"delta":{"role":"assistant","content":null}}],"created":1733212800,"id":"chatcmpl-2","model":"chatglm3-6b-q4_0.gguf","system_fingerprint":"b5200-1a2b3c4d","object":"chat.completion.chunk"}"#,
            #"{"choices":[{"finish_reason":null,"index":0,"delta":{"content":"你好"}}],"created":1733212800,"id":"chatcmpl-2","model":"chatglm3-6b-q4_0.gguf","system_fingerprint":"b5200-1a2b3c4d","object":"chat.completion.chunk"}"#,
            #"{"choices":[{"finish_reason":null,"index":0,"delta":{"content":", Paris."}}],"created":1733212800,"id":"chatcmpl-2","model":"chatglm3-6b-q4_0.gguf","system_fingerprint":"b5200-1a2b3c4d","object":"chat.completion.chunk"}"#,
            #"{"choices":[{"finish_reason":"stop","index":0,"delta":{}}],"created":1733212800,"id":"chatcmpl-2","model":"chatglm3-6b-q4_0.gguf","system_fingerprint":"b5200-1a2b3c4d","object":"chat.completion.chunk","usage":{"completion_tokens":4,"prompt_tokens":21,"total_tokens":25},"timings":{"prompt_n":21,"prompt_ms":310.2,"predicted_n":4,"predicted_ms":180.5}}"#,
            "[DONE]",
        ].map { "data: \($0)\r\n\r\n" }.joined(),
        errorBody: #"{"error":{"code":400,"message":"the request exceeds the available context size, try increasing it","type":"exceed_context_size_error"}}"#,
        errorMessage: "the request exceeds the available context size, try increasing it")

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

    @Test(arguments: servers.map(\.name))
    func theListingGivesTheWindowAndChecksTheModel(_ name: String) throws {
        let server = try #require(Self.servers.first { $0.name == name })
        let listing = try JSONValue.parse(server.listing)
        let model = try #require(listing["data"]?.arrayValue?.first?["id"]?.stringValue)
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
        var reader = RemoteReplyReader(contextWindow: 8192, stopIDs: (2, 64797), onEvent: events.add)
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
        #expect(events.text == "你好, Paris.")
        #expect(reader.serverError == nil)
        #expect(reader.outcome == .stopToken(2))
        #expect((reader.stats.promptTokens, reader.stats.generatedTokens) == (21, 4))
    }

    @Test(arguments: servers.map(\.name))
    func anErrorBodyGivesTheServersMessage(_ name: String) throws {
        let server = try #require(Self.servers.first { $0.name == name })
        #expect(RemoteChatBackend.serverMessage(server.errorBody) == server.errorMessage)
        // the same object as an event in the stream ends the answer with that message
        let events = Events()
        var reader = RemoteReplyReader(contextWindow: 8192, stopIDs: (2, 64797), onEvent: events.add)
        let goesOn = reader.take(server.errorBody)
        #expect(!goesOn)
        #expect(reader.serverError == server.errorMessage)
    }
}
