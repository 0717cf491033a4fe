import Foundation
import Testing
import GLMEngine
import GLMStore

/// The CLI's JSON outputs, parsed as a script would: `tokenize`, `generate`, and `sessions … --json`.
@Suite(.enabled(if: CLI.isBuilt, "needs the glmchat binary built next to the tests"))
struct JSONOutputTests {
    static let realTokenizer = CLI.fixtures.appendingPathComponent("real-tokenizer/tokenizer.model").path
    static let tiny = CLI.fixtures.appendingPathComponent("tiny-chatglm3").path

    @Test func tokenizePrintsTheOriginalIdsAsAJSONArray() throws {
        let plain = try CLI.run(["tokenize", "--tokenizer", Self.realTokenizer, "--text", "你好"])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(try CLI.json(plain) as? [Int] == [64790, 64792, 36474, 54591])

        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/chat.json"
        try Data(#"[{"role": "user", "content": "你好"}]"#.utf8).write(to: URL(fileURLWithPath: file))
        let chat = try CLI.run(["tokenize", "--tokenizer", Self.realTokenizer, "--messages", file])
        #expect(chat.status == 0, "\(chat.stderr)")
        #expect(try CLI.json(chat) as? [Int] == [64790, 64792, 64795, 30910, 13, 36474, 54591, 64796])
    }

    @Test func generatePrintsPromptIdsIdsTextAndLogits() throws {
        let result = try CLI.run(["generate", "--model", Self.tiny, "--type", "f32", "--ids", "1001,1003,388",
                                  "--max-tokens", "3", "--ignore-eos", "--json", "--dump-logits"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try CLI.json(result) as? [String: Any])
        #expect(object["prompt_ids"] as? [Int] == [1001, 1003, 388])
        #expect((object["ids"] as? [Int])?.count == 3)
        #expect(object["text"] is String)
        let logits = try #require(object["logits"] as? [[Double]])
        #expect(logits.count == 3 && logits.allSatisfy { $0.count == 1024 })
    }

    /// A session written through the store (as the app writes them), read back by every `sessions` command.
    @Test func sessionsCommandsPrintParsableJSON() throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try GLMStore(dataDirectory: URL(fileURLWithPath: directory))
        let session = try store.createSession(NewSession(modelKind: "chat", modelName: "tiny", systemPrompt: "Be brief."))
        try store.appendMessage(NewMessage(role: .user, content: "lighthouse 灯塔 \u{1B}[2J"), to: session.id)
        let writer = try store.beginAnswer(in: session.id, model: "tiny", seed: 42)
        writer.append("keepers")
        var stats = GenerationStats()
        stats.promptTokens = 12
        stats.generatedTokens = 4
        stats.generationSeconds = 0.5
        try writer.finish(.stopToken(2), metadata: "", stats: stats)
        try store.close()
        let data = ["--data-dir", directory, "--json"]

        let list = try CLI.run(["sessions", "list"] + data)
        #expect(list.status == 0, "\(list.stderr)")
        let listed = try #require(try CLI.json(list) as? [[String: Any]])
        #expect(listed.count == 1)
        #expect(listed.first?["id"] as? String == session.id.rawValue)

        let show = try CLI.run(["sessions", "show", String(session.id.rawValue.prefix(8))] + data)
        #expect(show.status == 0, "\(show.stderr)")
        let shown = try #require(try CLI.json(show) as? [String: Any])
        let shownSession = try #require(shown["session"] as? [String: Any])
        #expect(shownSession["systemPrompt"] as? String == "Be brief.")
        let messages = try #require(shown["messages"] as? [[String: Any]])
        #expect(messages.count == 2)
        #expect(messages[0]["content"] as? String == "lighthouse 灯塔 \u{1B}[2J")   // JSON keeps the text, escaped
        let answer = messages[1]
        #expect(answer["promptTokens"] as? Int == 12)
        #expect(answer["completionTokens"] as? Int == 4)
        #expect(answer["tokensPerSecond"] as? Double == 8)
        #expect(answer["finishReason"] as? String == "stop")
        #expect(answer["model"] as? String == "tiny")
        #expect(answer["seed"] as? Int == 42)
        #expect(!show.stdout.contains(0x1B))                                        // never a raw escape byte

        let search = try CLI.run(["sessions", "search", "灯塔"] + data)
        #expect(search.status == 0, "\(search.stderr)")
        #expect((try CLI.json(search) as? [[String: Any]])?.count == 1)

        let exported = directory + "/export.json"
        let export = try CLI.run(["sessions", "export", session.id.rawValue, "--format", "json", "-o", exported] + data)
        #expect(export.status == 0, "\(export.stderr)")
        #expect(try CLI.json(export) is [String: Any])
        let delete = try CLI.run(["sessions", "delete", session.id.rawValue, "--yes"] + data)
        #expect(delete.status == 0, "\(delete.stderr)")
        #expect(try CLI.json(delete) is [String: Any])
        let imported = try CLI.run(["sessions", "import", exported] + data)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect((try CLI.json(imported) as? [[String: Any]])?.count == 1)
        let again = try #require(try CLI.json(try CLI.run(["sessions", "show", session.id.rawValue] + data)) as? [String: Any])
        #expect(((again["messages"] as? [[String: Any]])?.last?["finishReason"]) as? String == "stop")
    }
}
