import Foundation
import GLMConversation
import GLMEngine
import GLMTestSupport
@testable import GLMTools

/// A backend that answers from a script of raw replies (metadata line, content, later segments
/// after `<|assistant|>`), the way the engine streams them, and records what it was asked.
final class ScriptedReplies: ChatBackend, @unchecked Sendable {
    let info: ModelInfo
    var stopTokenIDs: [Int32] { [2] }
    private let lock = NSLock()
    private var replies: [String]
    private var askedConversations: [Conversation] = []
    /// Called before each reply is streamed (a test can cancel there).
    let beforeReply: @Sendable (Int) async -> Void

    init(_ replies: [String], kind: ModelKind = .chat, beforeReply: @escaping @Sendable (Int) async -> Void = { _ in }) {
        info = ModelInfo(name: "scripted", kind: kind, quantization: "Q4_0", contextWindow: 8192)
        self.replies = replies
        self.beforeReply = beforeReply
    }

    var asked: [Conversation] { lock.withLock { askedConversations } }

    func reply(to conversation: Conversation, settings: ReplySettings,
               onEvent: @escaping @Sendable (ChatEvent) -> Void) async throws -> (FinishReason, GenerationStats) {
        let (raw, index) = lock.withLock { () -> (String?, Int) in
            askedConversations.append(conversation)
            return (replies.isEmpty ? nil : replies.removeFirst(), askedConversations.count - 1)
        }
        await beforeReply(index)
        if Task.isCancelled { return (.cancelled, GenerationStats()) }
        guard let raw else { return (.failed("the script has no more replies"), GenerationStats()) }
        var splitter = ReplySplitter()
        let content = splitter.feed(raw) + splitter.finish()
        if !splitter.metadata.isEmpty { onEvent(.metadata(splitter.metadata)) }
        if !content.isEmpty { onEvent(.text(content)) }
        // A call ends at <|observation|> (id 64797 in the real vocabulary), an answer at </s>.
        return (.stopToken(splitter.metadata.isEmpty ? 2 : 64797), GenerationStats())
    }
}

/// A tool source answering from closures, recording its calls.
final class RecordingSource: ToolSource, @unchecked Sendable {
    let name: String
    let definitions: [ToolDefinition]
    private let lock = NSLock()
    private var recorded: [(String, JSONValue)] = []
    let answer: @Sendable (String, JSONValue) async throws -> ToolResult

    init(name: String = "test", tools: [ToolDefinition],
         answer: @escaping @Sendable (String, JSONValue) async throws -> ToolResult = { _, args in ToolResult(text: args.pythonDumps()) }) {
        self.name = name
        definitions = tools
        self.answer = answer
    }

    var calls: [(String, JSONValue)] { lock.withLock { recorded } }

    func tools() async throws -> [ToolDefinition] { definitions }

    func call(_ tool: String, arguments: JSONValue) async throws -> ToolResult {
        lock.withLock { recorded.append((tool, arguments)) }
        return try await answer(tool, arguments)
    }
}

/// Decides from a list, recording what it was shown.
final class ScriptedApprover: ToolApprover, @unchecked Sendable {
    private let lock = NSLock()
    private var decisions: [ApprovalDecision]
    private var shown: [ProposedCall] = []
    let whileDeciding: @Sendable () async -> Void

    init(_ decisions: [ApprovalDecision], whileDeciding: @escaping @Sendable () async -> Void = {}) {
        self.decisions = decisions
        self.whileDeciding = whileDeciding
    }

    var proposals: [ProposedCall] { lock.withLock { shown } }

    func decide(_ call: ProposedCall) async -> ApprovalDecision {
        let decision = lock.withLock { () -> ApprovalDecision in
            shown.append(call)
            return decisions.isEmpty ? .refuse(reason: "the script has no more decisions") : decisions.removeFirst()
        }
        await whileDeciding()
        return decision
    }
}

let weatherTool = ToolDefinition(
    name: "get_weather", description: "The weather of a city",
    parameters: .object([
        ("type", .string("object")),
        ("properties", .object([
            ("city", .object([("type", .string("string"))])),
            ("unit", .object([("type", .string("string")), ("enum", .array([.string("celsius"), .string("fahrenheit")]))])),
        ])),
        ("required", .array([.string("city")])),
    ]))

/// Collects a loop's events.
func events(of stream: AsyncStream<AgentEvent>) async -> [AgentEvent] {
    var all: [AgentEvent] = []
    for await event in stream { all.append(event) }
    return all
}

/// The events without the streaming ones, for comparing the shape of a run.
func steps(_ events: [AgentEvent]) -> [String] {
    events.compactMap { event in
        switch event {
        case .answerStarted: "answer"
        case .reply: nil
        case .messagesReplaced: "replaced"
        case .callProposed(let call, let approval): "proposed \(call.tool) \(approval)"
        case .callRefused(let tool, _): "refused \(tool)"
        case .decided(_, let decision): "decided \(decision)"
        case .running(let call): "running \(call.tool)"
        case .filesWritten(let files): "files \(files)"
        case .observation(_, let isError): isError ? "observation error" : "observation"
        case .roundLimit(let rounds): "round limit \(rounds)"
        case .error(let why): "error \(why)"
        case .finished(let outcome): "finished \(outcome)"
        }
    }
}

/// A python with the `mcp` package (CI's venv: GLMCHAT_TEST_PYTHON), or nil.
let pythonWithMCP = TestPython.importing("mcp.server.stdio, anyio")

let fixturesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
