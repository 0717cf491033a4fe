import Foundation
import Testing
@testable import GLMEngine

/// Continuous batching on the tiny model: answers decoded together equal the oracle's greedy answers
/// and the answers each gets alone, whenever it joins; slots, budget and cancellation.
@Suite("Generation: batched decoding on the tiny model", .serialized)
struct BatchDecoderTests {
    static func decoder(_ type: StorageType = .f32, maxSequences: Int = 8, budget: Int = 1 << 30) throws -> BatchDecoder {
        let model = try OracleModelTests.load("tiny-chatglm3", as: type)
        let tokenizer = try Tokenizer(modelPath: Fixtures.tinyModel + "/tokenizer.model")
        return BatchDecoder(model: model, tokenizer: tokenizer, contextWindow: 512, maxSequences: maxSequences,
                            memoryBudgetBytes: budget, promptChunk: 16)
    }

    /// The oracle's cases whose greedy answer stays in the real vocabulary (the engine never samples padding ids).
    static func oracleCases() throws -> [Fixtures.GreedyCase] {
        let cases = try #require(OracleModelTests.expected["tiny-chatglm3"])
        return cases.filter { $0.greedyIDs.allSatisfy { $0 < 1009 } }
    }

    /// The ids an answer produced, collected on the decoder's thread.
    final class Tokens: @unchecked Sendable {
        private let lock = NSLock()
        private var ids: [Int32] = []
        func take(_ event: GenerationEvent) {
            if case .token(let token) = event { lock.withLock { ids.append(token.id) } }
        }
        var all: [Int32] { lock.withLock { ids } }
    }

    static func answer(_ decoder: BatchDecoder, _ request: GenerationRequest) async throws -> ([Int32], FinishReason) {
        let tokens = Tokens()
        let (reason, _) = try await decoder.run(request) { tokens.take($0) }
        return (tokens.all, reason)
    }

    @Test("answers decoded together equal the oracle's greedy answers", arguments: [StorageType.f32])
    func togetherEqualsTheOracle(type: StorageType) async throws {
        let decoder = try Self.decoder(type)
        let cases = try Self.oracleCases()
        try #require(cases.count >= 4)
        let results = try await withThrowingTaskGroup(of: (Int, [Int32]).self) { group in
            for (index, item) in cases.enumerated() {
                group.addTask {
                    let request = GenerationRequest(prompt: item.inputIDs, sampling: .greedy, maxTokens: 16, stopTokens: [])
                    return (index, try await Self.answer(decoder, request).0)
                }
            }
            return try await group.reduce(into: [Int: [Int32]]()) { $0[$1.0] = $1.1 }
        }
        for (index, item) in cases.enumerated() { #expect(results[index] == item.greedyIDs, "\(item.name)") }
    }

    /// Sampled answers (temperature 0.8, each its own seed) of different lengths, joining at different
    /// steps: each equals what the same decoder gives it alone. Q4_0 too: its batched kernels must
    /// compute every row as a lone row.
    @Test("answers that join mid-way equal their answers alone", arguments: [StorageType.f32, .q4_0])
    func joiningMidwayEqualsAlone(type: StorageType) async throws {
        let decoder = try Self.decoder(type)
        let cases = try Self.oracleCases()
        let sampling = SamplingSettings(temperature: 0.8, topP: 0.8, topK: 0, repetitionPenalty: 1.1)
        let requests = cases.enumerated().map { index, item in
            GenerationRequest(prompt: item.inputIDs, sampling: sampling, seed: UInt64(100 + index), maxTokens: 12 + 4 * index,
                              stopTokens: [2])
        }
        var alone: [[Int32]] = []
        for request in requests { alone.append(try await Self.answer(decoder, request).0) }
        let together = try await withThrowingTaskGroup(of: (Int, [Int32]).self) { group in
            for (index, request) in requests.enumerated() {
                group.addTask {
                    // Later requests arrive while earlier ones are decoding.
                    for _ in 0..<(index * 3) { await Task.yield() }
                    return (index, try await Self.answer(decoder, request).0)
                }
            }
            return try await group.reduce(into: [Int: [Int32]]()) { $0[$1.0] = $1.1 }
        }
        for index in requests.indices { #expect(together[index] == alone[index], "request \(index)") }
    }

    /// What both answers sent, in the order the decoder's thread sent it.
    final class Log: @unchecked Sendable {
        private let lock = NSLock()
        private var entries: [String] = []
        func take(_ name: String, _ event: GenerationEvent) {
            lock.withLock {
                if case .token = event { entries.append(name + " token") }
                if case .promptProgress(let done, _) = event { entries.append(name + " read \(done)") }
            }
        }
        var all: [String] { lock.withLock { entries } }
        var tokenCount: Int { lock.withLock { entries.filter { $0 == "A token" }.count } }
    }

    @Test("a prompt read while another answer decodes goes in small chunks, each in a pass with its next token")
    func promptBesideAnAnswer() async throws {
        let model = try OracleModelTests.load("tiny-chatglm3", as: .f32)
        let tokenizer = try Tokenizer(modelPath: Fixtures.tinyModel + "/tokenizer.model")
        let decoder = BatchDecoder(model: model, tokenizer: tokenizer, contextWindow: 512, maxSequences: 4,
                                   memoryBudgetBytes: 1 << 30, promptChunk: 64, promptChunkWhileDecoding: 4)
        let cases = try Self.oracleCases()
        let long = GenerationRequest(prompt: cases[0].inputIDs, sampling: .greedy, maxTokens: 16, stopTokens: [])
        let joining = GenerationRequest(prompt: cases[1].inputIDs, sampling: .greedy, maxTokens: 16, stopTokens: [])
        try #require(cases[1].inputIDs.count > 12)
        let log = Log()
        let first = Task { try await decoder.run(long) { log.take("A", $0) } }
        while log.tokenCount < 2 { await Task.yield() }
        let (reason, _) = try await decoder.run(joining) { log.take("B", $0) }
        _ = try await first.value
        #expect(reason == .maxTokens)
        let entries = log.all
        // A read its prompt alone in one chunk; B, joining while A decoded, four tokens at a time.
        #expect(entries.first == "A read \(cases[0].inputIDs.count)")
        let reads = entries.filter { $0.hasPrefix("B read") }.compactMap { Int($0.split(separator: " ").last ?? "") }
        let steps = zip([0] + reads, reads).map { $1 - $0 }
        #expect(reads.last == cases[1].inputIDs.count)
        #expect(steps.allSatisfy { $0 > 0 && $0 <= 4 }, "\(steps)")
        // Every pass that read a chunk of B also gave A its next token, while A had tokens to write.
        let bStart = try #require(entries.firstIndex { $0.hasPrefix("B read") })
        let bEnd = try #require(entries.lastIndex { $0.hasPrefix("B read") })
        let aTokensBefore = entries[..<bStart].filter { $0 == "A token" }.count
        let aTokensMeanwhile = entries[bStart...bEnd].filter { $0 == "A token" }.count
        #expect(reads.count >= 4)
        #expect(aTokensMeanwhile >= min(reads.count - 1, 16 - aTokensBefore), "\(entries)")
    }

    @Test("more requests than slots wait their turn and all finish")
    func moreRequestsThanSlots() async throws {
        let decoder = try Self.decoder(maxSequences: 2)
        let item = try #require(Self.oracleCases().first)
        let request = GenerationRequest(prompt: item.inputIDs, sampling: .greedy, maxTokens: 16, stopTokens: [])
        let answers = try await withThrowingTaskGroup(of: [Int32].self) { group in
            for _ in 0..<5 { group.addTask { try await Self.answer(decoder, request).0 } }
            return try await group.reduce(into: [[Int32]]()) { $0.append($1) }
        }
        #expect(answers.count == 5)
        for answer in answers { #expect(answer == item.greedyIDs) }
        #expect(decoder.counts.running == 0 && decoder.counts.waiting == 0)
    }

    @Test("an answer that needs more KV memory than the budget is refused")
    func overTheBudget() async throws {
        let probe = try Self.decoder()
        let decoder = try Self.decoder(budget: 100 * probe.bytesPerPosition)
        let item = try #require(Self.oracleCases().first)
        let request = GenerationRequest(prompt: item.inputIDs, sampling: .greedy, maxTokens: 200, stopTokens: [])
        await #expect(throws: GLMError.self) { try await decoder.run(request) { _ in } }
        let small = GenerationRequest(prompt: item.inputIDs, sampling: .greedy, maxTokens: 16, stopTokens: [])
        #expect(try await Self.answer(decoder, small).0 == item.greedyIDs)
    }

    @Test("a cancelled answer stops and the others go on unchanged")
    func cancellingOneLeavesTheOthers() async throws {
        let decoder = try Self.decoder()
        let cases = try Self.oracleCases()
        let endless = GenerationRequest(prompt: cases[0].inputIDs, sampling: .greedy, maxTokens: 400, stopTokens: [])
        let tokens = Tokens()
        let doomed = Task { try await decoder.run(endless) { tokens.take($0) } }
        let others = Task {
            try await withThrowingTaskGroup(of: (Int, [Int32]).self) { group in
                for index in 1..<cases.count {
                    group.addTask {
                        let request = GenerationRequest(prompt: cases[index].inputIDs, sampling: .greedy, maxTokens: 16, stopTokens: [])
                        return (index, try await Self.answer(decoder, request).0)
                    }
                }
                return try await group.reduce(into: [Int: [Int32]]()) { $0[$1.0] = $1.1 }
            }
        }
        while tokens.all.count < 3 { await Task.yield() }
        doomed.cancel()
        let (reason, _) = try await doomed.value
        #expect(reason == .cancelled)
        #expect(tokens.all.count < 400)
        let answers = try await others.value
        for index in 1..<cases.count { #expect(answers[index] == cases[index].greedyIDs, "\(cases[index].name)") }
    }
}
