import AsyncHTTPClient
import GLMEngine

/// llama-server writes the chat with the GGUF's chat template, or with ChatML when the file has
/// none (as `glmchat convert`'s files have none), and says nothing about it: ChatGLM3 then reads
/// `<|im_start|>user` as plain text and answers nonsense. So before the first answer the backend
/// asks it (`POST /apply-template`, beside `/v1`) how it writes one user message.
extension RemoteChatBackend {
    /// One user message and ChatGLM3's prompt for it (SPEC section 4): `[gMASK] sop <|user|> \n hi <|assistant|>`.
    static let chatFormatProbe = (message: "hi", prompt: "[gMASK]sop<|user|>\n hi<|assistant|>")

    /// The other way out of both refusals: files written by `glmchat convert` carry ChatGLM3's chat
    /// template and turn ends (`ChatGLMGGUF.addTurnKeys`), and it rewrites a llama.cpp file with them.
    static let rewriteHint = "a file written by glmchat convert (glmchat convert --model FILE.gguf --output NEW.gguf adds ChatGLM3's chat template and turn ends)"

    /// Refuses a llama-server whose chat format is not ChatGLM3's, naming the flags that fix it. A
    /// server without `/apply-template` (an older one), or at an address not ending in `/v1`, is
    /// not checked.
    static func checkLlamaServerChatFormat(_ endpoint: RemoteEndpoint, apiKey: String?, client: HTTPClient) async throws {
        guard endpoint.baseURL.hasByteSuffix("/v1") else { return }
        let root = String(decoding: endpoint.baseURL.utf8.dropLast(3), as: UTF8.self)
        let message = JSONValue.object([("role", .string("user")), ("content", .string(chatFormatProbe.message))])
        let answer: JSONValue
        do {
            answer = try await send(.POST, root + "/apply-template", body: .object([("messages", .array([message]))]),
                                    apiKey: apiKey, client: client, timeout: .seconds(15))
        } catch {
            return
        }
        guard let prompt = answer["prompt"]?.stringValue else { return }
        try checkChatFormat(prompt, server: endpoint.baseURL)
    }

    /// A prompt in ChatGLM3's format starts with `[gMASK]sop<|user|>` and ends with `<|assistant|>`;
    /// anything else (ChatML, another model's template) is an error that says how to start the server.
    static func checkChatFormat(_ prompt: String, server: String) throws {
        if prompt.hasBytePrefix("[gMASK]sop<|user|>") && prompt.hasByteSuffix("<|assistant|>") { return }
        throw GLMError(.unsupported, """
            \(server) is a llama-server that writes the chat as \(String(reflecting: prompt)), not in ChatGLM3's \
            format (\(String(reflecting: chatFormatProbe.prompt))): start it with --no-jinja --chat-template chatglm3, or serve \
            \(rewriteHint)
            """)
    }

    /// ChatGLM3 ends its turn with `<|user|>` and a tool call with `<|observation|>`, but llama.cpp's
    /// ChatGLM3 files name only `</s>` as an end, and llama-server ignores `stop_token_ids`; the
    /// special tokens do not show in its text, so an answer runs on, unseen, into turns the model
    /// makes up. Asks it for two tokens after a prompt with the stop token pushed first (`logit_bias`
    /// +100, greedy): an end stops after one. Refuses a server that goes on, naming the flag that
    /// fixes it. A server that cannot answer the question is not checked.
    static func checkLlamaServerStops(_ endpoint: RemoteEndpoint, apiKey: String?, client: HTTPClient) async throws {
        var goesOn: [String] = []
        for (id, text) in [(chatGLM3StopIDs[1], "<|user|>"), (chatGLM3StopIDs[2], "<|observation|>")] {
            let body = JSONValue.object([
                ("model", .string(endpoint.model)), ("prompt", .string(chatFormatProbe.prompt)), ("max_tokens", .int(2)),
                ("temperature", .double(0)), ("logit_bias", .object([(String(id), .int(100))])),
            ])
            let answer: JSONValue
            do {
                answer = try await send(.POST, endpoint.baseURL + "/completions", body: body, apiKey: apiKey, client: client, timeout: .seconds(60))
            } catch {
                return
            }
            guard let ended = endedAtFirstToken(answer) else { return }
            if !ended { goesOn.append(text) }
        }
        guard goesOn.isEmpty else {
            throw GLMError(.unsupported, """
                \(endpoint.baseURL) is a llama-server that does not end an answer at \(goesOn.joined(separator: " or ")), where \
                ChatGLM3 ends its turns, so answers would run on into turns the model makes up: start it with --override-kv \
                tokenizer.ggml.eot_token_id=int:\(chatGLM3StopIDs[1]),tokenizer.ggml.eom_token_id=int:\(chatGLM3StopIDs[2]), \
                or serve \(rewriteHint)
                """)
        }
    }

    /// Whether a two-token completion stopped after its first token (nil: not an answer to read).
    static func endedAtFirstToken(_ answer: JSONValue) -> Bool? {
        guard let reason = answer["choices"]?.arrayValue?.first?["finish_reason"]?.stringValue,
              case .int(let generated)? = answer["usage"]?["completion_tokens"] else { return nil }
        return reason.isByteEqual(to: "stop") && generated == 1
    }
}
