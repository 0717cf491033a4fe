import Foundation
import Testing
@testable import GLMEngine

@Suite("Generation: inference actor on the tiny model")
struct InferenceEngineTests {
    static func engine(contextLimit: Int? = nil) throws -> InferenceEngine {
        let model = try OracleModelTests.load("tiny-chatglm3")
        let tokenizer = try Tokenizer(modelPath: Fixtures.tinyModel + "/tokenizer.model")
        return InferenceEngine(model: model, tokenizer: tokenizer, kind: .chat, contextLimit: contextLimit)
    }

    static var english: Fixtures.GreedyCase {
        get throws { try #require(OracleModelTests.expected["tiny-chatglm3"]?.first) }
    }

    struct Outcome {
        var ids: [Int32] = []
        var text = ""
        var reason: FinishReason?
        var stats = GenerationStats()
        var progress: [Int] = []
        var slides = 0
        var slideReports: [SlideReport] = []
    }

    static func collect(_ stream: AsyncThrowingStream<GenerationEvent, Error>,
                        onToken: (Int) -> Void = { _ in }) async throws -> Outcome {
        var outcome = Outcome()
        for try await event in stream {
            switch event {
            case .promptProgress(let done, _): outcome.progress.append(done)
            case .token(let token):
                outcome.ids.append(token.id)
                outcome.text += token.text
                onToken(outcome.ids.count)
            case .text(let text): outcome.text += text
            case .contextSlid: outcome.slides += 1
            case .finished(let reason, let stats):
                outcome.reason = reason
                outcome.stats = stats
            }
        }
        return outcome
    }

    @Test("streams the oracle's greedy tokens and ends with stats")
    func greedyStream() async throws {
        let expected = try Self.english
        let engine = try Self.engine()
        let request = GenerationRequest(prompt: expected.inputIDs, sampling: .greedy, maxTokens: 16, stopTokens: [])
        let outcome = try await Self.collect(engine.generate(request))
        #expect(outcome.ids == expected.greedyIDs)
        #expect(outcome.reason == .maxTokens)
        #expect(outcome.stats.generatedTokens == 16)
        #expect(outcome.stats.promptTokens == expected.inputIDs.count)
        #expect(outcome.progress.last == expected.inputIDs.count)
        #expect(outcome.text == engine.tokenizer.decode(expected.greedyIDs))
    }

    @Test("a follow-up request reads only the new suffix and computes the same logits")
    func prefixReuse() async throws {
        let expected = try Self.english
        let engine = try Self.engine()
        let first = GenerationRequest(prompt: expected.inputIDs, sampling: .greedy, maxTokens: 4, stopTokens: [])
        _ = try await Self.collect(engine.generate(first))
        let cached = await engine.cachedTokens
        // The prompt plus three fed answer tokens (the fourth was sampled but not fed).
        #expect(cached == expected.inputIDs + expected.greedyIDs.prefix(3))
        let second = GenerationRequest(prompt: expected.inputIDs + expected.greedyIDs.prefix(8), sampling: .greedy,
                                       maxTokens: 8, stopTokens: [], keepLogits: true)
        var logits: [[Float]] = []
        var ids: [Int32] = []
        var stats = GenerationStats()
        for try await event in engine.generate(second) {
            if case .token(let token) = event, let row = token.logits { ids.append(token.id); logits.append(row) }
            if case .finished(_, let s) = event { stats = s }
        }
        #expect(stats.reusedTokens == cached.count)
        #expect(ids == Array(expected.greedyIDs[8...]))
        for (step, row) in logits.enumerated() {
            #expect(Fixtures.maxAbsDifference(row, expected.stepLogits[8 + step]) < 1e-4)
        }
    }

    @Test("a shorter, different prompt cuts the cache back to the common prefix")
    func ledgerTruncation() async throws {
        let expected = try Self.english
        let engine = try Self.engine()
        _ = try await Self.collect(engine.generate(GenerationRequest(prompt: expected.inputIDs, sampling: .greedy,
                                                                     maxTokens: 2, stopTokens: [])))
        var edited = Array(expected.inputIDs.prefix(10))
        edited.append(5)
        let outcome = try await Self.collect(engine.generate(GenerationRequest(prompt: edited, sampling: .greedy,
                                                                               maxTokens: 1, stopTokens: [])))
        #expect(outcome.stats.reusedTokens == 10)
        #expect(await engine.cachedTokens == edited)
    }

    /// A token counter the engine's thread and the test share.
    final class TokenCount: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func increment() -> Int { lock.withLock { value += 1; return value } }
    }

    @Test("cancel() stops generation before the next token")
    func cancellation() async throws {
        let expected = try Self.english
        let engine = try Self.engine()
        // The cancel comes from the event handler, which runs on the engine's thread as each token is
        // made: the token after the third must not be sampled, however busy the machine is.
        let request = GenerationRequest(prompt: expected.inputIDs, sampling: .greedy, maxTokens: 1_000, stopTokens: [])
        let count = TokenCount()
        let (reason, stats) = try await engine.run(request) { event in
            if case .token = event, count.increment() == 3 { engine.cancel() }
        }
        #expect(reason == .cancelled)
        #expect(stats.generatedTokens == 3)
        #expect(await engine.cachedTokens == expected.inputIDs + Array(expected.greedyIDs.prefix(3)))
    }

    @Test("ending the stream stops generation", .timeLimit(.minutes(5)))
    func endingTheStream() async throws {
        let expected = try Self.english
        let engine = try Self.engine()
        // The consumer leaves after token 3; ending the iteration cancels the request. Events are
        // buffered, and a consumer starved by other tests on the cooperative pool may see token 3 late,
        // so the budget is one the engine cannot reach within the time limit (10M tokens: over 13 minutes
        // at the release build's 12K tokens/s): only the cancel can end this answer in time.
        let budget = 10_000_000
        let request = GenerationRequest(prompt: expected.inputIDs, sampling: .greedy, maxTokens: budget, stopTokens: [])
        var seen: [Int32] = []
        for try await event in engine.generate(request) {
            if case .token(let token) = event { seen.append(token.id) }
            if seen.count == 3 { break }
        }
        #expect(seen == Array(expected.greedyIDs.prefix(3)))
        // The engine's actor is busy until the request ends: this returns (within the limit) once it has
        // stopped, and the next request runs.
        _ = await engine.cachedTokens
        let next = try await Self.collect(engine.generate(GenerationRequest(prompt: expected.inputIDs, sampling: .greedy,
                                                                            maxTokens: 2, stopTokens: [])))
        #expect(next.ids == Array(expected.greedyIDs.prefix(2)))
    }

    @Test("a stop token ends the answer and is not shown")
    func stopToken() async throws {
        let expected = try Self.english
        let engine = try Self.engine()
        let stop = expected.greedyIDs[2]
        let request = GenerationRequest(prompt: expected.inputIDs, sampling: .greedy, maxTokens: 16, stopTokens: [stop])
        let outcome = try await Self.collect(engine.generate(request))
        #expect(outcome.reason == .stopToken(stop))
        #expect(outcome.ids == Array(expected.greedyIDs.prefix(2)))
    }

    @Test("a single prompt longer than the window is a clear error (a conversation slides instead)")
    func contextOverflow() async throws {
        let expected = try Self.english
        let engine = try Self.engine(contextLimit: 8)
        let request = GenerationRequest(prompt: expected.inputIDs, sampling: .greedy, maxTokens: 1, stopTokens: [])
        do {
            _ = try await Self.collect(engine.generate(request))
            Issue.record("no error")
        } catch let error as GLMError {
            #expect(error.kind == .contextOverflow)
            #expect(error.description == "the prompt has 32 tokens but the context window holds 8")
        }
        var sliding = request
        sliding.promptMaySlide = true
        let outcome = try await Self.collect(engine.generate(sliding))
        #expect(outcome.slides == 1)
    }

    @Test("a conversation whose kept prefix cannot fit the window is a clear error")
    func prefixOverflow() async throws {
        let expected = try Self.english
        let engine = try Self.engine(contextLimit: 8)
        let request = GenerationRequest(prompt: expected.inputIDs, sampling: .greedy, maxTokens: 1, stopTokens: [],
                                        layout: PromptLayout(keepPrefix: 20), promptMaySlide: true)
        await #expect(throws: GLMError.self) { _ = try await Self.collect(engine.generate(request)) }
    }

    @Test("chat models stop at </s>, <|user|> and <|observation|>; base models at </s>")
    func stopTokensByKind() throws {
        let model = try OracleModelTests.load("tiny-chatglm3")
        let tokenizer = try Tokenizer(modelPath: Fixtures.tinyModel + "/tokenizer.model")
        #expect(InferenceEngine(model: model, tokenizer: tokenizer, kind: .chat).defaultStopTokens() == [2, 1006, 1008])
        #expect(InferenceEngine(model: model, tokenizer: tokenizer, kind: .base).defaultStopTokens() == [2])
    }
}
