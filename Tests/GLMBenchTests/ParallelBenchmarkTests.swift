import GLMBench
import GLMEngine
import Testing

/// The batched bench's bookkeeping (its speeds are never asserted): every stream count, with and
/// without cached positions and read-ahead rows, stays inside the caches it sized.
@Suite struct ParallelBenchmarkTests {
    // (100, 1) asks for more than the 64-position window holds: the streams start after 51 positions
    @Test(arguments: [(0, 0), (20, 0), (20, 2), (100, 1)])
    func everyCountStaysInsideItsWindow(_ context: Int, _ readAheadRows: Int) throws {
        let model = try BenchFixture.model()
        var options = ParallelBenchmark.Options()
        options.counts = [1, 3]
        options.promptTokens = 4
        options.generatedTokens = 8
        options.repetitions = 2
        options.context = context
        options.readAheadRows = readAheadRows
        let results = try ParallelBenchmark.run(model: model, options: options)
        #expect(results.map(\.parallel) == [1, 3])
        for result in results {
            #expect(result.context == min(context, model.config.contextLength - 4 - 8 - 1))
            #expect(result.aggregateTokensPerSecond.count == 2 && result.perStreamTokensPerSecond.count == 2)
            let speeds = result.aggregateTokensPerSecond + result.perStreamTokensPerSecond + result.readAheadPhaseShares
            #expect(speeds.allSatisfy { $0 > 0 && $0.isFinite })
            #expect(result.readAheadPhaseShares.count == (readAheadRows > 0 ? 2 : 0))
        }
    }

    @Test func streamsWhoseRowsExceedOneBatchAreRefused() throws {
        let model = try BenchFixture.model()
        var options = ParallelBenchmark.Options()
        options.counts = [1, model.maxBatch / 2 + 1]
        options.readAheadRows = 1
        options.promptTokens = 2
        options.generatedTokens = 2
        #expect(throws: GLMError.self) { try ParallelBenchmark.run(model: model, options: options) }
        options.readAheadRows = 0
        #expect(try ParallelBenchmark.run(model: model, options: options).count == 2)
    }
}
