import Foundation
import GRDB
import Testing
@testable import GLMStore

/// Tool calling in the store: each session keeps its mode and the exact tool list of its system
/// message; calls (assistant messages with metadata) and results (observations) are ordinary
/// messages that export, import and search like the rest.
@Suite struct ModesAndToolsTests {
    /// Key order, non-ASCII text, a float and nesting: what the tool list must keep to the byte.
    static let toolsJSON = #"""
        [{"name": "get_weather", "description": "天气 in a city", "parameters": {"type": "object",
          "properties": {"city": {"type": "string"}, "days": {"type": "integer", "maximum": 7.5}},
          "required": ["city"]}}, {"name": "search", "description": "", "parameters": {}}]
        """#

    static func tools() throws -> JSONValue { try JSONValue.parse(toolsJSON) }

    /// A Tool-mode session: a question, a call, its result and the answer.
    static func toolSession(_ store: GLMStore) throws -> SessionID {
        let session = try store.createSession(NewSession(modelKind: "chat", modelName: "chatglm3-6b",
                                                         systemPrompt: SessionMode.toolPrompt, mode: .tool,
                                                         tools: try tools()))
        try store.appendMessage(NewMessage(role: .user, content: "Weather in Beijing?"), to: session.id)
        try store.appendMessage(NewMessage(role: .assistant, content: "```python\ntool_call(city='北京', days=2)\n```",
                                           metadata: "get_weather"), to: session.id)
        try store.appendMessage(NewMessage(role: .observation, content: #"{"temperature": 21, "sky": "overcast"}"#),
                                to: session.id)
        try store.appendMessage(NewMessage(role: .assistant, content: "It is 21 degrees and overcast."), to: session.id)
        return session.id
    }

    @Test func modeAndToolsAreKeptExactly() throws {
        let dir = try TempDir()
        let id: SessionID
        do {
            let store = try dir.open()
            id = try Self.toolSession(store)
            try store.close()
        }
        let store = try dir.open()
        let session = try #require(try store.session(id))
        #expect(session.mode == .tool)
        #expect(session.tools == (try Self.tools()))
        #expect(session.tools?.pythonDumps(indent: 4) == (try Self.tools()).pythonDumps(indent: 4))
        #expect(try store.listSessions().first?.tools == (try Self.tools()))

        try store.setMode(.code, tools: nil, of: id)
        #expect(try store.session(id)?.mode == .code)
        #expect(try store.session(id)?.tools == nil)
        #expect(throws: GLMError.self) { try store.setMode(.tool, tools: nil, of: SessionID.random()) }
    }

    @Test func aToolListJSONCannotWriteIsRefusedNotStored() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let session = try store.makeSession()
        let broken = JSONValue.array([.object([("name", .string("x")), ("limit", .double(.infinity))])])
        let error = #expect(throws: GLMError.self) { try store.setMode(.tool, tools: broken, of: session.id) }
        #expect(error?.description.contains("infinity") == true)
        #expect(try store.session(session.id)?.mode == .chat)
    }

    @Test func aDamagedModeOrToolListIsAClearError() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let session = try store.makeSession()
        try store.pool.write { db in
            try db.execute(sql: "UPDATE session SET tools = '[{\"name\": ' WHERE id = ?", arguments: [session.id.rawValue])
        }
        let error = #expect(throws: GLMError.self) { try store.session(session.id) }
        #expect(error?.description.contains("tool list") == true)
        try store.pool.write { db in
            try db.execute(sql: "UPDATE session SET tools = NULL, mode = 'agent' WHERE id = ?", arguments: [session.id.rawValue])
        }
        let modeError = #expect(throws: GLMError.self) { try store.session(session.id) }
        #expect(modeError?.description.contains("unknown mode 'agent'") == true)
    }

    /// A database from before tool calling (schema 5), with a call and a result already in it:
    /// its sessions open in Chat mode without tools, and search finds the old call by its tool's name.
    @Test func aSchemaFiveDatabaseGainsModesAndSearchesMetadata() throws {
        let dir = try TempDir()
        let queue = try DatabaseQueue(path: dir.databaseURL.path)
        try Schema.migrate(queue, upTo: 5, path: dir.databaseURL.path)
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO session (id, title, titleIsCustom, modelKind, modelName, systemPrompt, temperature,
                    topP, topK, repetitionPenalty, maxNewTokens, seed, createdAt, updatedAt, archived)
                VALUES ('6f1c7a52-0000-4000-8000-000000000002', 'weather', 0, 'chat', 'glm', '',
                    0.8, 0.8, 0, 1.1, NULL, NULL, 1000, 2000, 0);
                INSERT INTO message (id, sessionId, seq, role, content, metadata, createdAt, state, parentId)
                VALUES ('6f1c7a52-0000-4000-8000-0000000000b1', '6f1c7a52-0000-4000-8000-000000000002', 1,
                    'assistant', '```python
                tool_call(city="Paris")
                ```', 'lookup_forecast', 1500, 'complete', NULL),
                    ('6f1c7a52-0000-4000-8000-0000000000b2', '6f1c7a52-0000-4000-8000-000000000002', 2,
                    'observation', '{"rain": true}', '', 1600, 'complete', '6f1c7a52-0000-4000-8000-0000000000b1');
                """)
        }
        try queue.close()

        let store = try dir.open()
        let id = SessionID("6f1c7a52-0000-4000-8000-000000000002")
        let session = try #require(try store.session(id))
        #expect(session.mode == .chat)
        #expect(session.tools == nil)
        let hit = try #require(try store.search("forecast").first)
        #expect(hit.session.id == id)
        #expect(hit.role == .assistant)
        #expect(hit.snippet?.text.hasPrefix("lookup_forecast: ") == true)
        #expect(try store.search("rain").first?.role == .observation)
        #expect(try store.integrityProblems().isEmpty)
    }

    @Test func searchFindsCallsByToolNameAndArgumentsAndResults() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let id = try Self.toolSession(store)
        _ = try store.makeSession()
        let byName = try #require(try store.search("get_weather").first)
        #expect(byName.session.id == id)
        #expect(byName.role == .assistant)
        #expect(byName.snippet.map { !$0.matches.isEmpty } == true)
        #expect(try store.search("北京").first?.role == .assistant)
        #expect(try store.search("overcast sky").first?.role == .observation)
        // A short term (LIKE, not the trigram index) also reads the metadata.
        #expect(try store.search("get_weather ge").first?.session.id == id)
        // A metadata change (an answer finishing as a tool call) reaches the index.
        let writer = try store.beginAnswer(in: id, model: "m")
        writer.append("```python\ntool_call()\n```")
        try writer.finish(.stopToken(2), metadata: "zz_unique_tool")
        #expect(try store.search("zz_unique_tool").first?.session.id == id)
        #expect(try store.integrityProblems().isEmpty)
    }

    @Test func exportAndImportRoundTripModeToolsAndToolMessages() throws {
        let source = try TempDir()
        let store = try source.open()
        let id = try Self.toolSession(store)
        let json = try store.exportJSON(id)
        let text = String(decoding: json, as: UTF8.self)
        #expect(text.contains(#""mode" : "tool""#))

        let target = try TempDir()
        let other = try target.open()
        let imported = try other.importSession(from: json, path: "tools.json")
        #expect(imported.mode == .tool)
        #expect(imported.tools == (try Self.tools()))
        #expect(try other.session(id) == (try store.session(id)))
        let messages = try other.messages(in: id)
        #expect(messages == (try store.messages(in: id)))
        #expect(messages.map(\.role) == [.user, .assistant, .observation, .assistant])
        #expect(messages[1].metadata == "get_weather")
        #expect(try other.exportJSON(id) == json)
        #expect(try other.search("get_weather").first?.session.id == id)

        let markdown = try store.exportMarkdown(id)
        #expect(markdown.contains("- Mode: Tool"))
        #expect(markdown.contains("\"name\": \"get_weather\""))
        #expect(markdown.contains("## Assistant · tool call: get_weather"))
    }

    @Test func anExportWithoutModeIsAChatSessionAndABadModeIsRefused() throws {
        let source = try TempDir()
        let store = try source.open()
        let id = try Self.toolSession(store)
        var object = try #require(try JSONSerialization.jsonObject(with: try store.exportJSON(id)) as? [String: Any])
        var session = try #require(object["session"] as? [String: Any])
        session.removeValue(forKey: "mode")
        session.removeValue(forKey: "tools")
        object["session"] = session
        let old = try JSONSerialization.data(withJSONObject: object)
        let target = try TempDir()
        let imported = try target.open().importSession(from: old, path: "old.json")
        #expect(imported.mode == .chat)
        #expect(imported.tools == nil)

        session["mode"] = "agent"
        object["session"] = session
        let error = #expect(throws: GLMError.self) {
            try target.open().importSession(from: try JSONSerialization.data(withJSONObject: object), path: "bad.json",
                                            assignNewIDs: true)
        }
        #expect(error?.description.contains("session.mode 'agent'") == true)
        session["mode"] = "tool"
        session["tools"] = "[{"
        object["session"] = session
        let toolsError = #expect(throws: GLMError.self) {
            try target.open().importSession(from: try JSONSerialization.data(withJSONObject: object), path: "bad.json",
                                            assignNewIDs: true)
        }
        #expect(toolsError?.description.contains("session.tools") == true)
    }
}
