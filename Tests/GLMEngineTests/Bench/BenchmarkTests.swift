import Testing
@testable import GLMEngine

/// The benchmark's own bookkeeping (its speeds are never asserted): every combination of tests must
/// stay inside the cache it sized, repetition after repetition.
@Suite struct BenchmarkTests {
    @Test(arguments: [(0, 30, 0), (0, 1, 0), (8, 16, 0), (0, 8, 40), (4, 4, 60)])
    func repetitionsStayInsideTheWindow(_ prompt: Int, _ generated: Int, _ context: Int) throws {
        let model = try OracleModelTests.load("oracle/rope50", as: .q4_0)
        var options = BenchmarkOptions()
        options.promptTokens = prompt
        options.generatedTokens = generated
        options.context = context
        options.repetitions = 3
        let result = try Benchmark.run(model: model, options: options)
        #expect(result.generationTokensPerSecond.count == (generated > 0 ? 3 : 0))
        #expect(result.promptTokensPerSecond.count == (prompt > 0 ? 3 : 0))
        #expect(result.timeToFirstToken.count == 3)
        #expect(result.context == min(context, model.config.contextLength - generated - 1))
    }
}
