import Foundation
import Testing
@testable import GLMStore

@Suite struct ExportTests {
    /// A session with every kind of field set, including awkward text.
    private func richSession(_ store: GLMStore) throws -> SessionID {
        let session = try store.createSession(NewSession(
            modelKind: "chat-32k", modelName: "chatglm3-6b-32k-q4_0.gguf", systemPrompt: "You are ChatGLM3.\n你好",
            sampling: SamplingSettings(temperature: 0.1 + 0.2, topP: 0.95, topK: 40, repetitionPenalty: 1.05,
                                       maxNewTokens: 2048, seed: 9_000_000_000_000_000_001)))
        try store.appendMessage(NewMessage(role: .user, content: "天气怎么样？ \"quoted\" \\ back\u{0}slash 👨‍👩‍👧"), to: session.id)
        try store.appendMessage(NewMessage(role: .assistant, content: "get_weather\n```python\ntool_call(city='北京')\n```",
                                           metadata: "get_weather", model: "chatglm3-6b",
                                           stats: answerStats(prompt: 31, completion: 17, tokensPerSecond: 1.0 / 3.0)),
                                to: session.id)
        try store.appendMessage(NewMessage(role: .observation, content: #"{"temperature": 21}"#, metadata: "get_weather"),
                                to: session.id)
        let writer = try store.beginAnswer(in: session.id, model: "chatglm3-6b")
        writer.append("北京今天21度，")
        try writer.finish(.cancelled, stats: answerStats(prompt: 60, completion: 8, tokensPerSecond: 7.25))
        let failed = try store.beginAnswer(in: session.id, model: "chatglm3-6b")
        try failed.finish(.failed("out of memory"))
        try store.setArchived(session.id, true)
        return session.id
    }

    @Test func jsonRoundTripsExactly() throws {
        let source = try TempDir()
        let store = try source.open()
        let id = try richSession(store)
        let json = try store.exportJSON(id)

        let target = try TempDir()
        let other = try target.open()
        let imported = try other.importSession(from: json, path: "export.json")
        #expect(imported == (try store.session(id)))
        #expect(try other.session(id) == (try store.session(id)))
        #expect(try other.messages(in: id) == (try store.messages(in: id)))
        #expect(try other.exportJSON(id) == json)
        #expect(try other.search("天气").map(\.session.id) == [id])
    }

    @Test func jsonNamesItsFormatAndUsesReadableDates() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let id = try richSession(store)
        let object = try JSONSerialization.jsonObject(with: try store.exportJSON(id)) as? [String: Any]
        #expect(object?["format"] as? String == "glmchat-session")
        #expect(object?["version"] as? Int == 1)
        let session = object?["session"] as? [String: Any]
        let created = try #require(session?["createdAt"] as? String)
        #expect(Timestamp.parseISO8601(created) == (try store.session(id))?.createdAt)
        #expect(created.hasSuffix("Z") && created.count == 24)
        #expect((object?["messages"] as? [Any])?.count == 5)
    }

    @Test func importingTwiceNeedsNewIDs() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let id = try richSession(store)
        let json = try store.exportJSON(id)
        let error = #expect(throws: GLMError.self) { try store.importSession(from: json, path: "a.json") }
        #expect(error?.kind == .alreadyExists)
        let copy = try store.importSession(from: json, path: "a.json", assignNewIDs: true)
        #expect(copy.id != id)
        #expect(try store.messages(in: copy.id).map(\.content) == (try store.messages(in: id)).map(\.content))
        #expect(try store.countSessions(.all) == 2)
    }

    @Test func badFilesGiveOneClearError() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let cases: [(String, String)] = [
            ("not json at all", "not a glmchat session export"),
            (#"{"format": "something-else", "version": 1, "session": {}, "messages": []}"#, "session"),
            (#"[1, 2, 3]"#, "not a glmchat session export"),
        ]
        for (text, fragment) in cases {
            let error = #expect(throws: GLMError.self) {
                try store.importSession(from: Data(text.utf8), path: "/tmp/x.json")
            }
            #expect(error?.kind == .badImport)
            #expect(error?.description.hasPrefix("/tmp/x.json: ") == true)
            #expect(error?.description.contains(fragment) == true, "\(String(describing: error))")
        }
        // A valid document with one wrong value names the field.
        let good = try TempDir()
        let goodStore = try good.open()
        let id = try richSession(goodStore)
        var text = String(decoding: try goodStore.exportJSON(id), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"observation\"", with: "\"narrator\"")
        let error = #expect(throws: GLMError.self) { try store.importSession(from: Data(text.utf8), path: "y.json") }
        #expect(error?.description.contains("messages[2].role 'narrator'") == true)
        #expect(try store.countSessions(.all) == 0)
    }

    @Test func markdownReadsLikeTheConversation() throws {
        let dir = try TempDir()
        let store = try dir.open()
        let id = try richSession(store)
        let markdown = try store.exportMarkdown(id)
        #expect(markdown.hasPrefix("# 天气怎么样？ \"quoted\" \\ back"))
        #expect(markdown.contains("## System\n\nYou are ChatGLM3.\n你好\n"))
        #expect(markdown.contains("## Assistant · tool call: get_weather · chatglm3-6b · 17 tokens · 0.3 tokens/s\n"))
        #expect(markdown.contains("## Observation · get_weather\n\n{\"temperature\": 21}\n"))
        #expect(markdown.contains("## Assistant · chatglm3-6b · 8 tokens · 7.2 tokens/s · stopped\n\n北京今天21度，\n"))
        #expect(markdown.contains("> failed: out of memory"))
    }

    @Test func timestampsFormatAndParseExactly() {
        for ms: Int64 in [0, 1, 999, 1_732_846_807_123, -1, -86_400_001, 253_402_300_799_999] {
            let date = Timestamp.date(fromMilliseconds: ms)
            let text = Timestamp.iso8601(date)
            #expect(Timestamp.parseISO8601(text).map(Timestamp.milliseconds) == ms, "\(text)")
        }
        #expect(Timestamp.iso8601(Timestamp.date(fromMilliseconds: 1_732_846_807_123)) == "2024-11-29T02:20:07.123Z")
        #expect(Timestamp.parseISO8601("2024-11-29T02:20:07Z").map(Timestamp.milliseconds) == 1_732_846_807_000)
        for bad in ["", "2024-11-29", "2024-11-29T02:20:07.1234Z", "2024-13-01T00:00:00Z", "2024-11-29T02:20:07+01:00"] {
            #expect(Timestamp.parseISO8601(bad) == nil, "\(bad)")
        }
    }
}
