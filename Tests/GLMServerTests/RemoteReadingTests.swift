import Foundation
import Testing
@testable import GLMEngine
@testable import GLMOpenAI
@testable import GLMRemote

/// What a remote backend reads: server-sent events as bytes arrive, and the chunks of an answer as
/// the chat events the local engine would send.
@Suite struct RemoteReadingTests {
    @Test func eventsSplitAnywhereAndEndedByAnyNewlineAreReadWhole() throws {
        let stream = "data: {\"a\":1}\r\n\r\n: a comment\nevent: x\ndata: one\ndata: two\n\ndata:[DONE]\r\r"
        var whole = ServerSentEventReader()
        let expected = ["{\"a\":1}", "one\ntwo", "[DONE]"]
        let wholeEvents = try whole.feed(Array(stream.utf8))
        #expect(wholeEvents == expected)
        // Byte by byte: a "\r\n" split between two reads still ends one line only.
        var bytewise = ServerSentEventReader()
        var events: [String] = []
        for byte in stream.utf8 { events += try bytewise.feed([byte]) }
        #expect(events == expected)
    }

    @Test func anEventWithoutItsBlankLineIsNotYetAnEvent() throws {
        var reader = ServerSentEventReader()
        let before = try reader.feed(Array("data: partial\n".utf8))
        #expect(before.isEmpty)
        let after = try reader.feed(Array("\n".utf8))
        #expect(after == ["partial"])
    }

    /// Collects a reader's events (the reader calls back on the caller's thread).
    final class Events: @unchecked Sendable {
        private let lock = NSLock()
        private var list: [ChatEvent] = []
        func add(_ event: ChatEvent) { lock.withLock { list.append(event) } }
        var all: [ChatEvent] { lock.withLock { list } }
        var text: String {
            all.reduce(into: "") { if case .text(let piece) = $1 { $0 += piece } }
        }
        var metadata: [String] {
            all.compactMap { if case .metadata(let value) = $0 { value } else { nil } }
        }
    }

    func chunk(_ delta: String, finish: String? = nil) -> String {
        "{\"choices\":[{\"index\":0,\"delta\":\(delta),\"finish_reason\":\(finish.map { "\"\($0)\"" } ?? "null")}]}"
    }

    @Test func textStreamsAndTheUsageGivesTheFigures() {
        let events = Events()
        var reader = RemoteReplyReader(contextWindow: 8192, stopIDs: [2, 64797], onEvent: events.add)
        do { let more = reader.take(chunk("{\"role\":\"assistant\",\"content\":\"\"}")); #expect(more) }
        do { let more = reader.take(chunk("{\"content\":\"Bon\"}")); #expect(more) }
        do { let more = reader.take(chunk("{\"content\":\"jour\"}")); #expect(more) }
        do { let more = reader.take(chunk("{}", finish: "length")); #expect(more) }
        do { let more = reader.take("{\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":2,\"prompt_tokens_details\":{\"cached_tokens\":5}}}"); #expect(more) }
        do { let more = reader.take("[DONE]"); #expect(!more) }
        #expect(events.text == "Bonjour")
        #expect(reader.outcome == .maxTokens)
        let stats = reader.stats
        #expect((stats.promptTokens, stats.generatedTokens, stats.reusedTokens) == (12, 2, 5))
    }

    @Test func toolCallsInPiecesBecomeToolTurnsAfterTheText() {
        let events = Events()
        var reader = RemoteReplyReader(contextWindow: 8192, stopIDs: [2, 64797], onEvent: events.add)
        _ = reader.take(chunk("{\"content\":\"Let me look.\"}"))
        _ = reader.take(chunk("{\"tool_calls\":[{\"index\":0,\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}"))
        _ = reader.take(chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\": \"}}]}"))
        _ = reader.take(chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Oslo\\\"}\"}}]}"))
        _ = reader.take(chunk("{}", finish: "tool_calls"))
        reader.flushToolCalls()
        #expect(reader.outcome == .stopToken(64797))
        let segments = ToolCallParser.segments(metadata: "", content: events.text)
        #expect(segments.count == 2)
        #expect(segments.first?.content == "Let me look.")
        let call = try? ToolCallParser.parseCall(name: segments[1].metadata, content: segments[1].content)
        #expect(call == ToolCall(name: "get_weather", arguments: .object([("city", .string("Oslo"))])))
    }

    @Test func aToolCallAloneIsTheAnswersMetadata() {
        let events = Events()
        var reader = RemoteReplyReader(contextWindow: 8192, stopIDs: [2, 64797], onEvent: events.add)
        _ = reader.take(chunk("{\"function_call\":{\"name\":\"lookup\",\"arguments\":\"{}\"}}", finish: "function_call"))
        reader.flushToolCalls()
        #expect(events.metadata == ["lookup"])
        #expect((try? ToolCallParser.parseCall(name: "lookup", content: events.text)) == ToolCall(name: "lookup", arguments: .object([])))
    }

    /// vLLM names the stop token it ended at (`stop_reason`): an answer that ends at `<|observation|>`
    /// ends there, not at `</s>`; a stop string or an id the request did not send is a plain stop.
    @Test(arguments: [("64797", Int32(64797)), ("64795", 64795), ("\"Paris\"", 2), ("7", 2), ("null", 2), ("99999999999", 2)])
    func theStopReasonNamesTheStopToken(_ stopReason: String, _ expected: Int32) {
        var reader = RemoteReplyReader(contextWindow: 8192, stopIDs: RemoteChatBackend.chatGLM3StopIDs, onEvent: { _ in })
        _ = reader.take(chunk("{\"content\":\"Par\"}"))
        _ = reader.take("{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\",\"stop_reason\":\(stopReason)}]}")
        #expect(reader.outcome == .stopToken(expected))
    }

    @Test func anErrorChunkEndsTheAnswerWithTheServersMessage() {
        var reader = RemoteReplyReader(contextWindow: 8192, stopIDs: [2, 64797], onEvent: { _ in })
        _ = reader.take(chunk("{\"content\":\"Par\"}"))
        do { let more = reader.take("{\"error\":{\"message\":\"The server is shutting down\",\"type\":\"server_error\"}}"); #expect(!more) }
        #expect(reader.outcome == .failed("the server reported: The server is shutting down"))
    }

    @Test func aStreamThatStopsWithoutAFinishReasonHasNoOutcome() {
        var reader = RemoteReplyReader(contextWindow: 8192, stopIDs: [2, 64797], onEvent: { _ in })
        _ = reader.take(chunk("{\"content\":\"Par\"}"))
        #expect(reader.outcome == nil)
    }

    @Test func theServersErrorMessageIsFoundInItsBody() {
        #expect(RemoteChatBackend.serverMessage("{\"error\":{\"message\":\"Incorrect API key\"}}") == "Incorrect API key")
        #expect(RemoteChatBackend.serverMessage("{\"error\":\"model not loaded\"}") == "model not loaded")
        #expect(RemoteChatBackend.serverMessage("  Bad Gateway \n") == "Bad Gateway")
        #expect(RemoteChatBackend.serverMessage("") == "(no message)")
    }

    @Test func anEndpointNeedsAnHTTPAddressAndItsKeyVariableSet() throws {
        #expect(throws: GLMError.self) { try RemoteEndpoint(baseURL: "gpu-box:8000", model: "m").validate() }
        let endpoint = RemoteEndpoint(baseURL: "http://gpu-box:8000/v1/", model: "m", apiKeyVariable: "TEAM_KEY")
        try endpoint.validate()
        #expect(endpoint.baseURL == "http://gpu-box:8000/v1")
        #expect(endpoint.displayName == "m@http://gpu-box:8000/v1")
        #expect(try endpoint.apiKey(environment: ["TEAM_KEY": "k"]) == "k")
        #expect(throws: GLMError.self) { try endpoint.apiKey(environment: [:]) }
    }
}
