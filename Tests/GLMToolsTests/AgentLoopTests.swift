import Foundation
import GLMConversation
import GLMEngine
import Testing
@testable import GLMTools

@Suite struct AgentLoopTests {
    let call = "get_weather\n```python\ntool_call(city='Beijing', unit='celsius')\n```"

    func makeLoop(_ replies: [String], decisions: [ApprovalDecision], tools: [ToolDefinition] = [weatherTool],
                  maxRounds: Int = 5) async -> (AgentLoop, ScriptedReplies, RecordingSource, ScriptedApprover) {
        let source = RecordingSource(tools: tools) { _, args in ToolResult(text: "{\"temperature\": 20, \"args\": \(args.pythonDumps())}") }
        let registry = ToolRegistry(sources: [source])
        await registry.refresh()
        let chat = ChatSession(store: nil, systemPrompt: ToolPrompts.toolSystemPrompt)
        chat.setTools(await registry.promptTools)
        let approver = ScriptedApprover(decisions)
        let loop = AgentLoop(session: chat, registry: registry, approver: approver, maxToolRounds: maxRounds)
        return (loop, ScriptedReplies(replies), source, approver)
    }

    @Test func approvedCallRunsAndTheModelAnswers() async throws {
        let (loop, backend, source, approver) = await makeLoop([call, "It is 20 degrees."], decisions: [.once])
        try loop.session.append(.user, "Weather in Beijing?")
        let all = await events(of: loop.answer(using: backend))
        #expect(steps(all) == ["answer", "proposed get_weather asking", "decided once", "running get_weather",
                               "observation", "answer", "finished answered"])
        #expect(source.calls.count == 1)
        #expect(source.calls.first?.1 == .object([("city", .string("Beijing")), ("unit", .string("celsius"))]))
        #expect(approver.proposals.first?.arguments == .object([("city", .string("Beijing")), ("unit", .string("celsius"))]))
        let messages = loop.session.messages
        #expect(messages.map(\.role) == [.user, .assistant, .observation, .assistant])
        #expect(messages[1].metadata == "get_weather")
        #expect(messages[1].content == "```python\ntool_call(city='Beijing', unit='celsius')\n```")
        #expect(messages[2].content.contains("\"temperature\": 20"))
        #expect(messages[3].content == "It is 20 degrees.")
        // The second answer saw the tools, the call and the observation.
        let second = try #require(backend.asked.last)
        #expect(second.tools == .array([weatherTool.promptEntry]))
        #expect(second.messages.map(\.role) == [.system, .user, .assistant, .observation])
        #expect(second.messages[2].metadata == "get_weather")
    }

    @Test func refusedCallIsNotRunAndTheModelIsTold() async throws {
        let (loop, backend, source, _) = await makeLoop([call, "I cannot check."], decisions: [.refuse(reason: "not now")])
        try loop.session.append(.user, "Weather?")
        let all = await events(of: loop.answer(using: backend))
        #expect(steps(all) == ["answer", "proposed get_weather asking", "decided refuse(reason: Optional(\"not now\"))",
                               "observation error", "answer", "finished answered"])
        #expect(source.calls.isEmpty)
        #expect(loop.session.messages[2].content == "{\"error\": \"the user did not allow this call: not now\"}")
    }

    @Test func editedArgumentsAreWhatIsRunStoredAndSent() async throws {
        let edited = JSONValue.object([("city", .string("Shanghai"))])
        let (loop, backend, source, _) = await makeLoop([call, "Done."], decisions: [.edited(edited)])
        try loop.session.append(.user, "Weather?")
        let all = await events(of: loop.answer(using: backend))
        #expect(steps(all).contains("replaced"))
        #expect(source.calls.first?.1 == edited)
        let stored = loop.session.messages[1]
        #expect(stored.metadata == "get_weather")
        #expect(stored.content == "```python\ntool_call(city=\"Shanghai\")\n```")
        #expect(backend.asked.last?.messages[2].content == stored.content)
        // The proposal given to `running` points at the rewritten message.
        let running = all.compactMap { if case .running(let call) = $0 { call } else { nil } }
        #expect(running.first?.messageID == stored.id)
        #expect(running.first?.arguments == edited)
    }

    @Test func editedArgumentsThatBreakTheSchemaAreRefused() async throws {
        let (loop, backend, source, _) = await makeLoop([call, "Done."], decisions: [.edited(.object([("unit", .string("kelvin"))]))])
        try loop.session.append(.user, "Weather?")
        let all = await events(of: loop.answer(using: backend))
        #expect(steps(all).contains("refused get_weather"))
        #expect(source.calls.isEmpty)
        #expect(loop.session.messages[2].content.contains("the required argument `city` is missing"))
    }

    @Test func manualResultIsTheObservation() async throws {
        let (loop, backend, source, _) = await makeLoop([call, "Sunny, then."], decisions: [.manual("{\"weather\": \"sunny\"}")])
        try loop.session.append(.user, "Weather?")
        _ = await events(of: loop.answer(using: backend))
        #expect(source.calls.isEmpty)
        #expect(loop.session.messages.map(\.role) == [.user, .assistant, .observation, .assistant])
        #expect(loop.session.messages[2].content == "{\"weather\": \"sunny\"}")
    }

    @Test func cancellingWhileTheUserDecidesStopsAndKeepsTheCall() async throws {
        let source = RecordingSource(tools: [weatherTool])
        let registry = ToolRegistry(sources: [source])
        await registry.refresh()
        let chat = ChatSession(store: nil)
        chat.setTools(await registry.promptTools)
        let holder = LoopHolder()
        let approver = ScriptedApprover([.once]) { holder.loop?.cancel() }
        let loop = AgentLoop(session: chat, registry: registry, approver: approver)
        holder.loop = loop
        try chat.append(.user, "Weather?")
        let all = await events(of: loop.answer(using: ScriptedReplies([call, "never"])))
        #expect(steps(all).last == "finished cancelled")
        #expect(!steps(all).contains("running get_weather"))
        #expect(source.calls.isEmpty)
        #expect(chat.messages.map(\.role) == [.user, .assistant])
    }

    @Test func cancellingWhileTheToolRunsStopsIt() async throws {
        let holder = LoopHolder()
        let source = RecordingSource(tools: [weatherTool]) { _, _ in
            holder.loop?.cancel()
            try await Task.sleep(for: .seconds(600))
            return ToolResult(text: "late")
        }
        let registry = ToolRegistry(sources: [source])
        await registry.refresh()
        let chat = ChatSession(store: nil)
        let loop = AgentLoop(session: chat, registry: registry, approver: FixedApprover(.once))
        holder.loop = loop
        try chat.append(.user, "Weather?")
        let all = await events(of: loop.answer(using: ScriptedReplies([call, "never"])))
        #expect(steps(all).suffix(2) == ["running get_weather", "finished cancelled"])
        #expect(chat.messages.map(\.role) == [.user, .assistant])
    }

    @Test func cancellingBeforeTheNextAnswerKeepsTheObservation() async throws {
        let holder = LoopHolder()
        let source = RecordingSource(tools: [weatherTool])
        let registry = ToolRegistry(sources: [source])
        await registry.refresh()
        let chat = ChatSession(store: nil)
        let loop = AgentLoop(session: chat, registry: registry, approver: FixedApprover(.once))
        holder.loop = loop
        let backend = ScriptedReplies([call, "never shown"]) { index in
            if index == 1 { holder.loop?.cancel() }
        }
        try chat.append(.user, "Weather?")
        let all = await events(of: loop.answer(using: backend))
        #expect(steps(all).last == "finished cancelled")
        #expect(chat.messages.map(\.role).prefix(3) == [.user, .assistant, .observation])
        #expect(!chat.messages.contains { $0.content.contains("never shown") })
    }

    @Test func roundLimitStopsTheLoop() async throws {
        let (loop, backend, source, _) = await makeLoop([call, call, call, "never"], decisions: [.always], maxRounds: 2)
        try loop.session.append(.user, "Weather?")
        let all = await events(of: loop.answer(using: backend))
        #expect(source.calls.count == 2)
        #expect(steps(all).suffix(2) == ["round limit 2", "finished roundLimit"])
        // The second call ran without asking: the user chose "always".
        #expect(steps(all).contains("proposed get_weather alwaysForThisTool"))
        #expect(loop.alwaysAllowedTools == ["get_weather"])
    }

    @Test func unknownToolIsRefusedWithAMessageForTheModel() async throws {
        let (loop, backend, source, approver) = await makeLoop(["delete_files\n```python\ntool_call(path='/')\n```", "Sorry."], decisions: [])
        try loop.session.append(.user, "Clean up")
        let all = await events(of: loop.answer(using: backend))
        #expect(steps(all) == ["answer", "refused delete_files", "observation error", "answer", "finished answered"])
        #expect(source.calls.isEmpty && approver.proposals.isEmpty)
        #expect(loop.session.messages[2].content.contains("there is no tool named `delete_files`; the tools are: get_weather"))
    }

    @Test func hostileCodeIsRefusedNeverRun() async throws {
        let hostile = "get_weather\n```python\ntool_call(city=__import__('os').system('touch /tmp/pwned'))\n```"
        let (loop, backend, source, approver) = await makeLoop([hostile, "ok"], decisions: [])
        try loop.session.append(.user, "Weather?")
        let all = await events(of: loop.answer(using: backend))
        #expect(steps(all).contains("refused get_weather"))
        #expect(source.calls.isEmpty && approver.proposals.isEmpty)
        #expect(loop.session.messages[2].content.contains("the call was not run"))
    }

    @Test func schemaMismatchIsRefused() async throws {
        let wrong = "get_weather\n```python\ntool_call(city=3, unit='kelvin')\n```"
        let (loop, backend, source, _) = await makeLoop([wrong, "ok"], decisions: [])
        try loop.session.append(.user, "Weather?")
        _ = await events(of: loop.answer(using: backend))
        #expect(source.calls.isEmpty)
        #expect(loop.session.messages[2].content == "{\"error\": \"tool get_weather: argument `city` must be a string, not an integer\"}")
    }

    @Test func aReplyOfSeveralSegmentsIsStoredAsOneMessageEach() async throws {
        let reply = "\nLet me check.<|assistant|>get_weather\n```python\ntool_call(city='Beijing')\n```"
        let (loop, backend, _, _) = await makeLoop([reply, "20 degrees."], decisions: [.once])
        try loop.session.append(.user, "Weather?")
        let all = await events(of: loop.answer(using: backend))
        #expect(steps(all).contains("replaced"))
        let messages = loop.session.messages
        #expect(messages.map(\.role) == [.user, .assistant, .assistant, .observation, .assistant])
        #expect(messages[1].metadata == "" && messages[1].content == "Let me check.")
        #expect(messages[2].metadata == "get_weather")
        #expect(messages[2].content == "```python\ntool_call(city='Beijing')\n```")
    }

    @Test func automaticToolsRunWithoutAsking() async throws {
        var auto = weatherTool
        auto.runsWithoutApproval = true
        let (loop, backend, source, approver) = await makeLoop([call, "ok"], decisions: [], tools: [auto])
        try loop.session.append(.user, "Weather?")
        let all = await events(of: loop.answer(using: backend))
        #expect(steps(all).contains("proposed get_weather automatic"))
        #expect(approver.proposals.isEmpty && source.calls.count == 1)
    }

    @Test func aFailingToolGivesAnErrorObservation() async throws {
        let source = RecordingSource(tools: [weatherTool]) { _, _ in ToolResult(text: "no network", isError: true) }
        let registry = ToolRegistry(sources: [source])
        await registry.refresh()
        let chat = ChatSession(store: nil)
        let loop = AgentLoop(session: chat, registry: registry, approver: FixedApprover(.once))
        try chat.append(.user, "Weather?")
        let all = await events(of: loop.answer(using: ScriptedReplies([call, "Sorry."])))
        #expect(steps(all).contains("observation error"))
        #expect(chat.messages[2].content == "{\"error\": \"no network\"}")
    }

    @Test func interpreterCallsRunTheLastPythonBlock() async throws {
        let runner = FakeRunner()
        let registry = ToolRegistry(sources: [], interpreter: runner)
        let chat = ChatSession(store: nil, systemPrompt: ToolPrompts.interpreterSystemPrompt)
        let loop = AgentLoop(session: chat, registry: registry, approver: FixedApprover(.once))
        try chat.append(.user, "Compute")
        let reply = "interpreter\n```python\nx = 1\n```\nthen\n```python\nprint(1 + 1)\n```"
        let all = await events(of: loop.answer(using: ScriptedReplies([reply, "It is 2."])))
        #expect(steps(all).contains("running interpreter"))
        #expect(runner.codes == ["print(1 + 1)"])
        #expect(chat.messages[2].content == "```result\n2\n```")
    }

    /// The loop reads the code by InterpreterCode's rule: a result block the model wrote after its
    /// code is not run, and the closing fence may end the last line.
    @Test func aResultBlockAfterTheCodeIsNotWhatRuns() async throws {
        let runner = FakeRunner()
        let chat = ChatSession(store: nil, systemPrompt: ToolPrompts.interpreterSystemPrompt)
        let loop = AgentLoop(session: chat, registry: ToolRegistry(sources: [], interpreter: runner), approver: FixedApprover(.once))
        try chat.append(.user, "Compute")
        let reply = "interpreter\n```python\nprint(1 + 1)```\n```result\n3\n```"
        _ = await events(of: loop.answer(using: ScriptedReplies([reply, "It is 2."])))
        #expect(runner.codes == ["print(1 + 1)"])
    }

    /// Where the sandbox cannot run (no bubblewrap) every block gets the reason as its result: the
    /// model is told nothing ran.
    @Test func anUnavailableInterpreterTellsTheModelTheCodeDidNotRun() async throws {
        let runner = UnavailableCodeRunner(reason: "bubblewrap is missing")
        let chat = ChatSession(store: nil, systemPrompt: ToolPrompts.interpreterSystemPrompt)
        let loop = AgentLoop(session: chat, registry: ToolRegistry(sources: [], interpreter: runner), approver: FixedApprover(.once))
        try chat.append(.user, "Compute")
        let all = await events(of: loop.answer(using: ScriptedReplies(["interpreter\n```python\nprint(1)\n```", "It did not run."])))
        #expect(steps(all).contains("observation error"))
        #expect(chat.messages[2].content == "```result\n[The code was not run: bubblewrap is missing]\n```")
        #expect(await runner.status() == "cannot start: bubblewrap is missing")
    }

    @Test func interpreterWithoutARunnerIsRefused() async throws {
        let (loop, backend, _, _) = await makeLoop(["interpreter\n```python\nprint(1)\n```", "ok"], decisions: [])
        try loop.session.append(.user, "Compute")
        let all = await events(of: loop.answer(using: backend))
        #expect(steps(all).contains("refused interpreter"))
        #expect(loop.session.messages[2].content.contains("the code interpreter is not available"))
    }

    @Test func aPlainAnswerEndsTheLoopAtOnce() async throws {
        let (loop, backend, _, approver) = await makeLoop(["Hello!"], decisions: [])
        try loop.session.append(.user, "Hi")
        let all = await events(of: loop.answer(using: backend))
        #expect(steps(all) == ["answer", "finished answered"])
        #expect(approver.proposals.isEmpty)
    }
}

final class LoopHolder: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: AgentLoop?
    var loop: AgentLoop? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

final class FakeRunner: CodeRunner, @unchecked Sendable {
    private let lock = NSLock()
    private var ran: [String] = []
    var codes: [String] { lock.withLock { ran } }
    func status() async -> String { "ready" }
    func run(code: String) async throws -> ToolResult {
        lock.withLock { ran.append(code) }
        return ToolResult(text: "```result\n2\n```")
    }
    func cancel() async {}
}
