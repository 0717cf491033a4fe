@testable import GLMBench
import GLMEngine
import Testing

/// The speculation benchmark's bookkeeping on the small random model (speeds are never asserted):
/// every mode gives the plain answer, the oracle's drafts all hold, and the miss mode's never do.
@Suite struct SpeculationBenchmarkTests {
    private func options(_ mode: SpeculationBenchmark.Mode) -> SpeculationBenchmark.Options {
        var options = SpeculationBenchmark.Options()
        options.mode = mode
        options.maxDrafts = 4
        options.promptTokens = 24
        options.generatedTokens = 16
        options.repetitions = 2
        options.costPasses = 1
        return options
    }

    @Test func oracleDraftsAreAllAccepted() throws {
        let result = try SpeculationBenchmark.run(model: try BenchFixture.model(), options: options(.oracle))
        #expect(result.identical)
        #expect(result.speculative.count == 2)
        for run in result.speculative {
            #expect(run.drafted > 0)
            #expect(run.accepted == run.drafted)
        }
    }

    @Test func missDraftsAreAllRejectedAndTheBudgetNarrowsToOne() throws {
        let result = try SpeculationBenchmark.run(model: try BenchFixture.model(), options: options(.miss))
        #expect(result.identical)
        for run in result.speculative {
            #expect(run.passes > 1)
            #expect(run.accepted == 0)
            // the first pass drafts two tokens; after that miss every pass drafts one
            #expect(run.drafted == DraftBudget.firstDrafts + (run.passes - 1))
        }
    }

    @Test func ngramDraftsKeepThePlainAnswer() throws {
        let result = try SpeculationBenchmark.run(model: try BenchFixture.model(), options: options(.ngram))
        #expect(result.identical)
        #expect(result.speculative.count == 2)
    }

    @Test func pastTheWaryDepthAMissWaitsAndTheOracleStillHolds() throws {
        let model = try BenchFixture.model(contextLength: 4200)
        var options = options(.miss)
        options.context = DraftBudget.waryDepth + 8
        let miss = try SpeculationBenchmark.run(model: model, options: options)
        #expect(miss.identical)
        for run in miss.speculative {
            // one draft, missed; then none for the 16 steps after it, which end the answer
            #expect(run.passes == 1 && run.drafted == 1 && run.accepted == 0)
        }
        options.mode = .oracle
        let oracle = try SpeculationBenchmark.run(model: model, options: options)
        #expect(oracle.identical)
        for run in oracle.speculative {
            // passes of 1, 2, 4 and 4 drafts, all held
            #expect(run.accepted == run.drafted && run.drafted == 11 && run.passes == 4)
        }
    }

    @Test(arguments: [Int32(0), 5, 1022, 1023])
    func theMissTokenIsAnotherTokenOfTheVocabulary(_ token: Int32) {
        let other = SpeculationBenchmark.other(than: token, vocabulary: 1024)
        #expect(other != token)
        #expect(other >= 0 && other < 1024)
    }
}
