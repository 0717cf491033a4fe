import Foundation
import GLMEngine
import GLMStore
import Testing

/// A Tool-mode session with a call and its observation, saved and opened again, gives the prompt
/// ids the original code gives (the tiny fixture's `tool_observation_chat` case).
@Suite("Integration: a reopened tool session builds the same prompt")
struct ToolSessionPromptTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("GLMEngineTests/Fixtures/tiny-chatglm3")

    struct OracleCase {
        let tools: JSONValue
        let system: String
        let history: [(role: Role, metadata: String, content: String)]
        let query: String
        let inputIDs: [Int32]
    }

    /// Read with the project's own JSON parser, so the tools keep their key order.
    static func oracle() throws -> OracleCase {
        let text = try String(contentsOf: fixtures.appendingPathComponent("expected.json"), encoding: .utf8)
        let cases = try #require(try JSONValue.parse(text)["cases"]?.arrayValue)
        let tool = try #require(cases.first { $0["name"]?.stringValue == "tool_observation_chat" })
        let history = try #require(tool["history"]?.arrayValue)
        let system = try #require(history.first)
        let ids = try #require(tool["input_ids"]?.arrayValue).map { value -> Int32 in
            guard case .int(let id) = value else { throw GLMError(.badFormat, "an id is not an integer") }
            return Int32(id)
        }
        return OracleCase(
            tools: try #require(system["tools"]), system: try #require(system["content"]?.stringValue),
            history: try history.dropFirst().map { item in
                (try #require(Role(rawValue: item["role"]?.stringValue ?? "")), item["metadata"]?.stringValue ?? "",
                 try #require(item["content"]?.stringValue))
            },
            query: try #require(tool["query"]?.stringValue), inputIDs: ids)
    }

    @Test func reopeningASessionWithACallAndAnObservationGivesTheOriginalIDs() throws {
        let oracle = try Self.oracle()
        #expect(oracle.system == SessionMode.toolPrompt)
        let tokenizer = try Tokenizer(modelPath: Self.fixtures.appendingPathComponent("tokenizer.model").path)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glmchat-tools-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }

        let id: SessionID
        do {
            let store = try GLMStore(dataDirectory: directory)
            let chat = ChatSession(store: store)
            let model = ModelInfo(name: "tiny", kind: .chat, quantization: "F32", contextWindow: 8192)
            try chat.setMode(.tool, tools: oracle.tools, model: model)
            #expect(chat.systemPrompt == SessionMode.toolPrompt)
            for message in oracle.history { try chat.append(message.role, message.content, metadata: message.metadata) }
            try chat.append(.observation, oracle.query)
            #expect(ChatPrompt.chat(tokenizer, conversation: chat.conversation).tokens == oracle.inputIDs)
            id = try #require(chat.session?.id)
            try store.close()
        }
        let store = try GLMStore(dataDirectory: directory)
        let reopened = try ChatSession(opening: id, in: store)
        #expect(reopened.mode == .tool)
        #expect(reopened.tools == oracle.tools)
        #expect(ChatPrompt.chat(tokenizer, conversation: reopened.conversation).tokens == oracle.inputIDs)

        // Through an export and an import into another database, too.
        let copyDirectory = directory.appendingPathComponent("copy")
        let copy = try GLMStore(dataDirectory: copyDirectory)
        try copy.importSession(from: try store.exportJSON(id), path: "export.json")
        let imported = try ChatSession(opening: id, in: copy)
        #expect(ChatPrompt.chat(tokenizer, conversation: imported.conversation).tokens == oracle.inputIDs)
    }

    @Test func switchingModesSetsAndRemovesTheModePromptButKeepsTheUsersOwn() throws {
        let chat = ChatSession(store: nil)
        try chat.setMode(.code, tools: nil)
        #expect(chat.systemPrompt == SessionMode.interpreterPrompt)
        try chat.setMode(.tool, tools: .array([]))
        #expect(chat.systemPrompt == SessionMode.toolPrompt)
        try chat.setMode(.chat, tools: nil)
        #expect(chat.systemPrompt.isEmpty)
        try chat.setSystemPrompt("You are a pirate.")
        try chat.setMode(.code, tools: nil)
        #expect(chat.systemPrompt == "You are a pirate.")
        #expect(chat.mode == .code)
    }
}
