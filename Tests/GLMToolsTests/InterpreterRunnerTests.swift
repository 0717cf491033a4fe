import Foundation
import GLMConversation
import GLMEngine
import GLMInterpreter
import Testing
@testable import GLMTools

/// The sandbox's interpreter behind the agent loop: state between blocks, the result block, an
/// exception as an error observation.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/bwrap"), "needs bubblewrap (apt install bubblewrap; .ci/run installs it)"))
struct InterpreterRunnerTests {
    @Test func theLoopRunsBlocksInOneSandboxedPython() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("glmchat-runner-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let runner = try InterpreterRunner.make(settings: InterpreterSettings(), folder: folder)
        defer { runner.session.shutdown() }
        #expect(await runner.status().hasPrefix("ready, sandboxed"))
        let chat = ChatSession(store: nil, systemPrompt: ToolPrompts.interpreterSystemPrompt)
        let loop = AgentLoop(session: chat, registry: ToolRegistry(sources: [], interpreter: runner), approver: FixedApprover(.once))
        try chat.append(.user, "Sum 1 to 10, then fail")
        let replies = ["interpreter\n```python\nx = sum(range(1, 11))\nprint(x)\n```",
                       "interpreter\n```python\nprint(x * 2)\n1 / 0\n```",
                       "55, and the division failed."]
        let all = await events(of: loop.answer(using: ScriptedReplies(replies)))
        #expect(steps(all).last == "finished answered")
        let observations = chat.messages.filter { $0.role == .observation }.map(\.content)
        #expect(observations.count == 2)
        #expect(observations.first == "```result\n55\n```")
        #expect(observations.last?.hasPrefix("```result\n110\n") == true)
        #expect(observations.last?.contains("ZeroDivisionError") == true)
        #expect(steps(all).contains("observation error"))
    }
}
