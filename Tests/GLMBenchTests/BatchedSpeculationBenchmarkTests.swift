@testable import GLMBench
import GLMEngine
import Testing

/// `bench --parallel N --speculate` on the small random model (speeds are never asserted): the
/// streams' answers equal the plain ones in every mode, the oracle's drafts all hold, the miss
/// mode's never do, and every stream is counted.
@Suite struct BatchedSpeculationBenchmarkTests {
    private func run(_ mode: SpeculationBenchmark.Mode, counts: [Int]) async throws -> [BatchedSpeculationBenchmark.Result] {
        let (model, tokenizer) = try BenchFixture.modelAndTokenizer()
        return try await BatchedSpeculationBenchmark.run(model: model, tokenizer: tokenizer, counts: counts, mode: mode,
                                                   maxDrafts: 4, promptTokens: 20, generatedTokens: 16, repetitions: 2)
    }

    @Test func oracleDraftsAreAllAcceptedInEveryBatch() async throws {
        let results = try await run(.oracle, counts: [1, 3])
        #expect(results.map(\.parallel) == [1, 3])
        for result in results {
            #expect(result.identical, "\(result.parallel) streams")
            #expect(result.plain.count == 2 && result.speculative.count == 2)
            for run in result.speculative {
                #expect(run.drafted > 0)
                #expect(run.accepted == run.drafted)
                #expect(run.aggregateTokensPerSecond > 0 && run.perStreamTokensPerSecond > 0)
            }
            for run in result.plain { #expect(run.drafted == 0) }
        }
    }

    @Test func missDraftsAreNeverAccepted() async throws {
        for result in try await run(.miss, counts: [2]) {
            #expect(result.identical)
            for run in result.speculative {
                #expect(run.drafted > 0)
                #expect(run.accepted == 0)
            }
        }
    }

    @Test func ngramDraftsKeepThePlainAnswers() async throws {
        for result in try await run(.ngram, counts: [2]) { #expect(result.identical) }
    }
}
