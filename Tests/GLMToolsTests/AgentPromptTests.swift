import Foundation
import GLMConversation
import GLMEngine
import Testing
@testable import GLMTools

/// The prompts the agent loop sends, for conversations with tools, calls, observations and the
/// interpreter, equal the ids of the original prompt rules (scripts/gen-agent-prompt-cases.py,
/// which reproduces the original code's fixture cases, writes Fixtures/agent_prompts.json).
@Suite struct AgentPromptTests {
    static let tokenizerPath = fixturesDirectory.deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("GLMEngineTests/Fixtures/real-tokenizer/tokenizer.model").path

    struct Case: CustomTestStringConvertible, Sendable {
        let value: JSONValue
        var testDescription: String { value["name"]?.stringValue ?? "?" }
    }

    static let cases: [Case] = {
        let url = fixturesDirectory.appendingPathComponent("agent_prompts.json")
        guard let data = try? Data(contentsOf: url), let text = String(data: data, encoding: .utf8),
              let items = (try? JSONValue.parse(text))?.arrayValue else { return [] }
        return items.map(Case.init)
    }()

    @Test func theFixtureIsThere() {
        #expect(Self.cases.count == 4)
    }

    @Test(arguments: cases)
    func promptsEqualTheOriginalRules(_ testCase: Case) async throws {
        let value = testCase.value
        let tokenizer = try Tokenizer(modelPath: Self.tokenizerPath)
        let replies = (value["replies"]?.arrayValue ?? []).compactMap { $0.stringValue }
        let observations = (value["observations"]?.arrayValue ?? []).compactMap { $0.stringValue }
        let prompts: [[Int32]] = (value["prompts"]?.arrayValue ?? []).map { prompt in
            (prompt.arrayValue ?? []).compactMap { item -> Int32? in
                if case .int(let id) = item { return Int32(id) } else { return nil }
            }
        }
        #expect(prompts.count == replies.count + 1)
        guard prompts.count == replies.count + 1 else { return }
        let refusal = Observation.error("the user did not allow this call")
        let decisions: [ApprovalDecision] = observations.map { $0 == refusal ? .refuse(reason: nil) : .manual($0) }

        let tools = value["tools"].flatMap { $0 == .null ? nil : $0 }
        let chat = ChatSession(store: nil, systemPrompt: try #require(value["system"]?.stringValue))
        chat.setTools(tools)
        let definitions = (tools?.arrayValue ?? []).compactMap { tool -> ToolDefinition? in
            guard let name = tool["name"]?.stringValue else { return nil }
            return ToolDefinition(name: name, description: tool["description"]?.stringValue ?? "",
                                  parameters: tool["parameters"] ?? .object([]))
        }
        let registry = ToolRegistry(sources: [RecordingSource(tools: definitions)], interpreter: FakeRunner())
        await registry.refresh()
        #expect(await registry.promptTools == tools)
        let loop = AgentLoop(session: chat, registry: registry, approver: ScriptedApprover(decisions))
        try chat.append(.user, try #require(value["question"]?.stringValue))
        let backend = ScriptedReplies(replies)
        let all = await events(of: loop.answer(using: backend))
        #expect(steps(all).last == "finished answered")
        #expect(backend.asked.count == replies.count)
        for (index, conversation) in backend.asked.enumerated() {
            #expect(ChatPrompt.chat(tokenizer, conversation: conversation).tokens == prompts[index], "answer \(index + 1)")
        }
        try chat.append(.user, try #require(value["next_question"]?.stringValue))
        #expect(ChatPrompt.chat(tokenizer, conversation: chat.conversation).tokens == prompts.last, "the next question")
    }
}
