import Foundation
import Testing
@testable import GLMEngine
@testable import GLMOpenAI

/// OpenAI requests as ChatGLM3 sees them, checked against the ids the original tokenizer's
/// `build_chat_input` produced for the same conversations (the real-tokenizer fixture).
@Suite struct RequestMappingTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("GLMEngineTests/Fixtures")

    static func realTokenizer() throws -> Tokenizer {
        try Tokenizer(modelPath: fixtures.appendingPathComponent("real-tokenizer/tokenizer.model").path)
    }

    static func expectedIDs(_ name: String) throws -> [Int32] {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("real-tokenizer/expected_tokens.json"))
        let fixture = try JSONValue.parse(bytes: data)
        let chat = try #require(fixture["chats"]?.arrayValue?.first { $0["name"]?.stringValue == name })
        return try #require(chat["build_chat_input_ids"]?.arrayValue).map { value in
            guard case .int(let id) = value else { throw GLMError(.badFormat, "not an id") }
            return Int32(id)
        }
    }

    @Test func aToolRoundTripReadsAsTheOriginalToolPrompt() throws {
        let body = """
        {"model": "chatglm3", "messages": [
          {"role": "user", "content": "What's the weather in Beijing today?"},
          {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
            "function": {"name": "get_current_weather", "arguments": "{\\"location\\": \\"beijing\\", \\"unit\\": \\"celsius\\"}"}}]},
          {"role": "tool", "tool_call_id": "call_1", "content": "{\\"temperature\\": 22}"}],
         "tools": [{"type": "function", "function": {"name": "get_current_weather",
           "description": "Get the current weather in a given location",
           "parameters": {"type": "object", "properties": {"location": {"type": "string",
             "description": "The city and state, e.g. San Francisco, CA"}, "unit": {"type": "string"}},
             "required": ["location"]}}}]}
        """
        let request = try ChatCompletionRequest.parse(try JSONValue.parse(body))
        #expect(request.toolOffer == ToolOffer(style: .tools, names: ["get_current_weather"]))
        let ids = try Self.realTokenizer().encodeChat(request.conversation)
        #expect(ids == (try Self.expectedIDs("tool_observation_chat")))
    }

    @Test func theLegacyFunctionsFieldsReadTheSame() throws {
        let body = """
        {"messages": [
          {"role": "user", "content": "What's the weather in Beijing today?"},
          {"role": "assistant", "content": null, "function_call": {"name": "get_current_weather",
            "arguments": "{\\"location\\": \\"beijing\\", \\"unit\\": \\"celsius\\"}"}},
          {"role": "function", "name": "get_current_weather", "content": "{\\"temperature\\": 22}"}],
         "functions": [{"name": "get_current_weather", "description": "Get the current weather in a given location",
           "parameters": {"type": "object", "properties": {"location": {"type": "string",
             "description": "The city and state, e.g. San Francisco, CA"}, "unit": {"type": "string"}},
             "required": ["location"]}}]}
        """
        let request = try ChatCompletionRequest.parse(try JSONValue.parse(body))
        #expect(request.toolOffer?.style == .functions)
        #expect(try Self.realTokenizer().encodeChat(request.conversation) == (try Self.expectedIDs("tool_observation_chat")))
    }

    @Test func aMultiTurnChatReadsAsTheOriginalPrompt() throws {
        let body = """
        {"messages": [
          {"role": "system", "content": "You are ChatGLM3, a large language model trained by Zhipu.AI. Follow the user's instructions carefully. Respond using markdown."},
          {"role": "user", "content": [{"type": "text", "text": "你好"}]},
          {"role": "assistant", "content": "你好👋！我是人工智能助手 ChatGLM3-6B，很高兴见到你，欢迎问我任何问题。"},
          {"role": "user", "content": "What is the capital of France?"}]}
        """
        let request = try ChatCompletionRequest.parse(try JSONValue.parse(body))
        #expect(request.toolOffer == nil)
        #expect(try Self.realTokenizer().encodeChat(request.conversation) == (try Self.expectedIDs("multi_turn_chat")))
    }

    @Test func aNamedToolChoiceOffersThatToolOnlyAndNoneOffersNone() throws {
        let tools = #"[{"type": "function", "function": {"name": "a"}}, {"type": "function", "function": {"name": "b"}}]"#
        let named = try ChatCompletionRequest.parse(try JSONValue.parse(
            #"{"messages": [{"role": "user", "content": "x"}], "tools": \#(tools), "tool_choice": {"type": "function", "function": {"name": "b"}}}"#))
        #expect(named.toolOffer?.names == ["b"])
        #expect(named.conversation.tools == (try JSONValue.parse(#"[{"name": "b"}]"#)))
        let none = try ChatCompletionRequest.parse(try JSONValue.parse(
            #"{"messages": [{"role": "user", "content": "x"}], "tools": \#(tools), "tool_choice": "none"}"#))
        #expect(none.toolOffer == nil && none.conversation.tools == nil && none.conversation.messages.count == 1)
    }

    @Test(arguments: [
        (#"{"messages": []}"#, "messages"),
        (#"{"messages": [{"role": "wizard", "content": "x"}]}"#, "messages[0].role"),
        (#"{"messages": [{"role": "user"}]}"#, "messages[0].content"),
        (#"{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]}"#, "messages[0].content[0].type"),
        (#"{"messages": [{"role": "user", "content": "x"}], "temperature": 3}"#, "temperature"),
        (#"{"messages": [{"role": "user", "content": "x"}], "top_p": 0}"#, "top_p"),
        (#"{"messages": [{"role": "user", "content": "x"}], "n": 2}"#, "n"),
        (#"{"messages": [{"role": "user", "content": "x"}], "presence_penalty": 0.5}"#, "presence_penalty"),
        (#"{"messages": [{"role": "user", "content": "x"}], "frequency_penalty": 1}"#, "frequency_penalty"),
        (#"{"messages": [{"role": "user", "content": "x"}], "max_tokens": 0}"#, "max_tokens"),
        (#"{"messages": [{"role": "user", "content": "x"}], "stop": [""]}"#, "stop[0]"),
        (#"{"messages": [{"role": "user", "content": "x"}], "logprobs": true}"#, "logprobs"),
        (#"{"messages": [{"role": "user", "content": "x"}], "stream": "yes"}"#, "stream"),
        (#"{"messages": [{"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "f", "arguments": "{oops"}}]}]}"#,
         "messages[0].tool_calls[0].function.arguments"),
        (#"{"messages": [{"role": "user", "content": "x"}], "tools": [{"type": "function", "function": {"name": "a"}}], "tool_choice": {"type": "function", "function": {"name": "zz"}}}"#,
         "tool_choice"),
        (#"[1, 2]"#, nil),
    ] as [(String, String?)])
    func badFieldsAreNamed(body: String, param: String?) throws {
        #expect(throws: APIError.self) { try ChatCompletionRequest.parse(try JSONValue.parse(body)) }
        do {
            _ = try ChatCompletionRequest.parse(try JSONValue.parse(body))
        } catch let error as APIError {
            #expect(error.status == 400)
            #expect(error.param == param, "\(error.message)")
        }
    }

    @Test func parametersAreRead() throws {
        let request = try ChatCompletionRequest.parse(try JSONValue.parse("""
            {"messages": [{"role": "user", "content": "x"}], "temperature": 0, "top_p": 0.5, "seed": -1,
             "max_completion_tokens": 7, "stop": "END", "stream": true, "stream_options": {"include_usage": true},
             "repetition_penalty": 1.1, "presence_penalty": 0, "n": 1, "stop_token_ids": [2, 64795]}
            """))
        let parameters = request.parameters
        #expect(parameters.sampling.temperature == 0 && parameters.sampling.topP == 0.5)
        #expect(parameters.sampling.repetitionPenalty == Float(1.1))
        #expect(parameters.seed == UInt64.max && parameters.maxTokens == 7)
        #expect(parameters.stop == ["END"] && parameters.stream && parameters.includeUsage)
    }

    @Test func aRemoteRequestWritesToolTurnsAsToolCallsAndObservationsAsToolMessages() throws {
        var conversation = Conversation(messages: [
            Message(sessionID: .unsaved, role: .system, content: ChatCompletionRequest.toolSystemPrompt),
            Message(sessionID: .unsaved, role: .user, content: "weather?"),
            Message(sessionID: .unsaved, role: .assistant, content: "```python\ntool_call(city=\"Paris\")\n```", metadata: "get_weather"),
            Message(sessionID: .unsaved, role: .observation, content: "{\"temp\": 20}"),
        ])
        conversation.tools = try JSONValue.parse(#"[{"name": "get_weather", "parameters": {"type": "object"}}]"#)
        let parts = MessageMapping.openAIRequestParts(for: conversation)
        #expect(parts.messages == (try JSONValue.parse("""
            [{"role": "user", "content": "weather?"},
             {"role": "assistant", "content": null, "tool_calls": [{"id": "call_0", "type": "function",
               "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}}]},
             {"role": "tool", "tool_call_id": "call_0", "content": "{\\"temp\\": 20}"}]
            """)))
        #expect(parts.tools == (try JSONValue.parse(#"[{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]"#)))
        // and back: the server reads the same conversation
        let body = JSONValue.object([("messages", parts.messages), ("tools", parts.tools ?? .null)])
        let back = try ChatCompletionRequest.parse(body).conversation
        func turns(_ conversation: Conversation) -> [[String]] {
            conversation.messages.map { [$0.role.rawValue, $0.metadata, $0.content] }
        }
        #expect(turns(back) == turns(conversation) && back.tools == conversation.tools)
    }
}
