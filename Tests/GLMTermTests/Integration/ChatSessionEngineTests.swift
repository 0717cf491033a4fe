import Foundation
import GLMEngine
import GLMRemote
import GLMStore
import Testing
@testable import GLMTerm

/// The conversation core over the real engine (the tiny fixture model) and the SQLite store: the
/// prompt is the original code's, the greedy answer is the oracle's, and what is saved is complete.
@MainActor
@Suite("Integration: ChatSession over the real engine and the store", .serialized)
struct ChatSessionEngineTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("GLMEngineTests/Fixtures")
    static var tinyModel: String { fixtures.appendingPathComponent("tiny-chatglm3").path }

    /// The fixture's `multi_turn_chat` case: its history, question, prompt ids and 16 greedy ids.
    struct OracleChat {
        let system: String, history: [(Role, String)], query: String, inputIDs: [Int32], greedyIDs: [Int32]
    }

    static func oracleChat() throws -> OracleChat {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("tiny-chatglm3/expected.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let cases = try #require(root["cases"] as? [[String: Any]])
        let chat = try #require(cases.first { $0["name"] as? String == "multi_turn_chat" })
        let history = try #require(chat["history"] as? [[String: String]])
        let greedy = try #require(chat["greedy"] as? [String: Any])
        return OracleChat(system: history[0]["content"] ?? "",
                          history: history.dropFirst().map { (Role(rawValue: $0["role"] ?? "") ?? .user, $0["content"] ?? "") },
                          query: try #require(chat["query"] as? String),
                          inputIDs: try #require(chat["input_ids"] as? [Int]).map(Int32.init),
                          greedyIDs: try #require(greedy["new_token_ids"] as? [Int]).map(Int32.init))
    }

    static func f32Backend() throws -> LocalChatBackend {
        let loaded = try ModelLoader.load(ModelLoadOptions(path: tinyModel, matrixType: .f32, threads: 2))
        let engine = InferenceEngine(model: loaded.model, tokenizer: loaded.tokenizer, kind: loaded.kind,
                                     contextLimit: loaded.contextLimit)
        return LocalChatBackend(engine: engine, name: "tiny-f32")
    }

    static func temporaryStore() throws -> (GLMStore, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("glmchat-core-\(UUID().uuidString)")
        return (try GLMStore(dataDirectory: directory), directory)
    }

    @Test("the prompt is the original's, the greedy answer the oracle's, and the answer is saved with its stats")
    func greedyAnswerMatchesTheOracle() async throws {
        let oracle = try Self.oracleChat()
        let backend = try Self.f32Backend()
        let (store, directory) = try Self.temporaryStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        let chat = ChatSession(store: store, sampling: .greedy)
        try chat.setSystemPrompt(oracle.system, model: backend.info)
        for (role, content) in oracle.history { try chat.append(role, content, model: backend.info) }
        try chat.append(.user, oracle.query, model: backend.info)
        #expect(await backend.prompt(for: chat.conversation).tokens == oracle.inputIDs)

        var text = ""
        for await event in chat.reply(using: backend, maxTokens: oracle.greedyIDs.count) {
            if case .text(let piece) = event { text += piece }
        }
        // The oracle's 16 ids hold no stop token: the answer is all of them, split into metadata and content.
        var splitter = ReplySplitter()
        let expected = splitter.feed(backend.engine.tokenizer.decode(oracle.greedyIDs)) + splitter.finish()
        #expect(text == expected)
        let sessionID = try #require(chat.session?.id)
        let saved = try #require(try store.messages(in: sessionID).last)
        #expect(saved.content == expected)
        #expect(saved.metadata == splitter.metadata)
        #expect(saved.state == .complete && saved.finishReason == "length")
        #expect(saved.promptTokens == oracle.inputIDs.count)
        #expect(saved.completionTokens == oracle.greedyIDs.count)
        #expect((saved.tokensPerSecond ?? 0) > 0)
        #expect(saved.model == "tiny-f32")
        #expect(saved.seed == 0)
    }

    @Test("a reopened session gives the same prompt ids as before (its system prompt included)")
    func reopenedSessionGivesTheSamePrompt() async throws {
        let backend = try Self.f32Backend()
        let (store, directory) = try Self.temporaryStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        let chat = ChatSession(store: store, sampling: .greedy)
        try chat.setSystemPrompt("You are terse.", model: backend.info)
        try chat.append(.user, "你好 😀", model: backend.info)
        for await _ in chat.reply(using: backend, maxTokens: 5) {}
        try chat.clearContext()
        try chat.append(.user, "again", model: backend.info)
        let before = await backend.prompt(for: chat.conversation).tokens
        let sessionID = try #require(chat.session?.id)
        let reopened = try ChatSession(opening: sessionID, in: store)
        #expect(await backend.prompt(for: reopened.conversation).tokens == before)
        #expect(reopened.systemPrompt == "You are terse.")
        #expect(try store.listSessions().first?.title == "你好 😀")
    }

    @Test("Esc mid-answer stops a long greedy answer within a token and keeps its text", .timeLimit(.minutes(1)))
    func cancelStopsALongAnswer() async throws {
        let backend = try Self.f32Backend()
        let chat = ChatSession(store: nil, systemPrompt: "Be brief.", sampling: .greedy)
        try chat.append(.user, "你好")
        var pieces = 0
        var reason: FinishReason?
        // the window (512) is the only other limit: only the cancel ends this answer early
        for await event in chat.reply(using: backend, maxTokens: 1_000_000) {
            if case .text = event {
                pieces += 1
                if pieces == 3 { chat.cancelReply() }
            }
            if case .finished(let why, _) = event { reason = why }
        }
        #expect(reason == .cancelled)
        #expect(chat.messages.last?.state == .stopped)
        #expect(!(chat.messages.last?.content.isEmpty ?? true))
    }

    func load(_ provider: EngineModelProvider, _ entry: ModelEntry) async -> [LoadEvent] {
        var events: [LoadEvent] = []
        for await event in provider.load(entry) { events.append(event) }
        return events
    }

    @Test("loading reports progress, then a backend with the model's quantization and window")
    func loads() async {
        let events = await load(EngineModelProvider(), ModelEntry(name: "tiny", kind: .chat, path: Self.tinyModel))
        #expect(events.contains { if case .progress = $0 { true } else { false } })
        guard case .loaded(let backend)? = events.last else {
            Issue.record("expected a loaded model: \(events)")
            return
        }
        #expect(backend.info == ModelInfo(name: "tiny", kind: .chat, quantization: "Q4_0", contextWindow: 512))
    }

    @Test("a model whose caches could outgrow the memory loads with a warning naming the remedies")
    func warnsWhenTheCachesMayOutgrowTheMemory() async throws {
        let entry = ModelEntry(name: "tiny", kind: .chat, path: Self.tinyModel)
        let events = await load(EngineModelProvider(usableMemory: { 1 << 10 }), entry)
        let warnings = events.compactMap { if case .warning(let text) = $0 { text } else { nil } }
        #expect(warnings.count == 1)
        let warning = try #require(warnings.first)
        #expect(warning.contains("of the 1 KiB this process may use"))
        #expect(warning.contains("ctx_size") && warning.contains("cache_type") && warning.contains("conversation_cache_mb"))
        guard case .loaded? = events.last else {
            Issue.record("the model still loads: \(events)")
            return
        }
        let roomy = await load(EngineModelProvider(usableMemory: { 1 << 40 }), entry)
        #expect(!roomy.contains { if case .warning = $0 { true } else { false } })
    }

    @Test("a model is let go before another loads when the two would not fit in memory together")
    func unloadsWhenTwoWouldNotFit() async throws {
        let entry = ModelEntry(name: "tiny", kind: .chat, path: Self.tinyModel)
        guard case .loaded(let current)? = await load(EngineModelProvider(), entry).last,
              let local = current as? LocalChatBackend else {
            Issue.record("expected a loaded local model")
            return
        }
        let peak = local.engine.peakBytes
        #expect(peak > 0)
        // a checkpoint folder counts as large as the current model: two of them need 2 x peak
        let roomy = EngineModelProvider(usableMemory: { peak * 3 })
        let tight = EngineModelProvider(usableMemory: { peak * 2 })
        #expect(!roomy.mustUnload(current, toLoad: entry))
        #expect(tight.mustUnload(current, toLoad: entry))
        // a GGUF counts as its file's size
        let gguf = ModelEntry(name: "gguf", kind: .chat, path: Self.fixtures.appendingPathComponent("tiny-chatglm3/llamacpp-f32.gguf").path)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: gguf.path)[.size] as? Int)
        #expect(!EngineModelProvider(usableMemory: { (peak + size) * 10 / 9 + 10 }).mustUnload(current, toLoad: gguf))
        #expect(EngineModelProvider(usableMemory: { (peak + size) * 10 / 9 - 10 }).mustUnload(current, toLoad: gguf))
        // a remote model takes no local memory
        let remote = ModelEntry(name: "r", kind: .chat, remote: RemoteEndpoint(baseURL: "http://127.0.0.1:1/v1", model: "x"))
        #expect(!tight.mustUnload(current, toLoad: remote))
    }

    @Test("a window limit (--ctx-size, else the entry's ctx_size) is the loaded engine's window")
    func windowLimit() async {
        let entry = ModelEntry(name: "tiny", kind: .chat, path: Self.tinyModel, contextSize: 128)
        for (provider, window) in [(EngineModelProvider(), 128), (EngineModelProvider(contextSize: 96), 96)] {
            guard case .loaded(let backend)? = await load(provider, entry).last else {
                Issue.record("expected a loaded model")
                continue
            }
            #expect(backend.info.contextWindow == window)
        }
    }

    @Test("a model that cannot load says why")
    func failsClearly() async {
        let events = await load(EngineModelProvider(), ModelEntry(name: "x", kind: .chat, path: "/nonexistent/model"))
        guard case .failed(let message)? = events.last else {
            Issue.record("expected a failure, got \(events)")
            return
        }
        #expect(message.contains("/nonexistent/model"))
    }
}
