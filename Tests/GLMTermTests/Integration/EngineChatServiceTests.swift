import Foundation
import Testing
@testable import GLMTerm

@MainActor
@Suite("Integration: the app's chat service over the real engine (tiny fixture model)")
struct EngineChatServiceTests {
    static var tinyModel: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("GLMEngineTests/Fixtures/tiny-chatglm3").path
    }

    func load(_ service: EngineChatService, path: String = tinyModel) async -> [LoadEvent] {
        var events: [LoadEvent] = []
        for await event in service.loadModel(ModelEntry(name: "tiny", kind: .chat, path: path)) { events.append(event) }
        return events
    }

    @Test("loading reports progress, then the model with its quantization and window")
    func loads() async {
        let events = await load(EngineChatService())
        #expect(events.contains { if case .progress = $0 { return true } else { return false } })
        #expect(events.last == .loaded(LoadedModel(name: "tiny", kind: .chat, quantization: "Q4_0", contextWindow: 512)))
    }

    @Test("a window limit (--ctx-size, else the entry's ctx_size) is the loaded engine's window")
    func windowLimit() async {
        var events: [LoadEvent] = []
        let service = EngineChatService()
        for await event in service.loadModel(ModelEntry(name: "tiny", kind: .chat, path: Self.tinyModel, contextSize: 128)) {
            events.append(event)
        }
        #expect(events.last == .loaded(LoadedModel(name: "tiny", kind: .chat, quantization: "Q4_0", contextWindow: 128)))
        service.contextSize = 96
        events = []
        for await event in service.loadModel(ModelEntry(name: "tiny", kind: .chat, path: Self.tinyModel, contextSize: 128)) {
            events.append(event)
        }
        #expect(events.last == .loaded(LoadedModel(name: "tiny", kind: .chat, quantization: "Q4_0", contextWindow: 96)))
    }

    @Test("a model that cannot load says why")
    func failsClearly() async {
        let events = await load(EngineChatService(), path: "/nonexistent/model")
        guard case .failed(let message)? = events.last else {
            Issue.record("expected a failure, got \(events)")
            return
        }
        #expect(message.contains("/nonexistent/model"))
    }

    @Test("an answer streams text and stats, then finishes; cancelling stops it", .timeLimit(.minutes(1)))
    func generates() async {
        let service = EngineChatService(sampling: .init(temperature: 0, topP: 1, topK: 0, repeatPenalty: 1, seed: 0), maxTokens: 40)
        _ = await load(service)
        let request = GenerationRequest(system: "Be brief.", turns: [ChatTurn(role: .user, text: "你好")], mode: .chat)
        var text = ""
        var finished: FinishReason?
        var sawStats = false
        for await event in service.generate(request) {
            switch event {
            case .text(let piece): text += piece
            case .stats: sawStats = true
            case .finished(let reason): finished = reason
            case .promptProgress, .contextSlid: break
            }
        }
        #expect(!text.isEmpty)
        #expect(sawStats)
        #expect(finished == .complete)

        // greedy here runs 100000 tokens without a stop token (measured with `glmchat run --temperature 0
        // --repeat-penalty 1 --max-tokens 100000 --system "Be brief." 你好`: 8 s in release), so only the cancel can end this answer;
        // sampled answers reach a stop token at a point that races the cancel, and a small budget can be
        // used up before a busy machine delivers the third piece
        let long = EngineChatService(sampling: .init(temperature: 0, topP: 1, topK: 0, repeatPenalty: 1, seed: 0),
                                     maxTokens: 1_000_000)
        _ = await load(long)
        var pieces = 0
        var stopped: FinishReason?
        for await event in long.generate(request) {
            if case .text = event {
                pieces += 1
                if pieces == 3 { long.cancelGeneration() }
            }
            if case .finished(let reason) = event { stopped = reason }
        }
        #expect(stopped == .stopped)
    }
}
