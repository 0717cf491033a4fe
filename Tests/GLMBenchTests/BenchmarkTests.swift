import GLMBench
import GLMEngine
import Testing

/// The benchmark's own bookkeeping (its speeds are never asserted): every combination of tests must
/// stay inside the cache it sized, repetition after repetition.
@Suite struct BenchmarkTests {
    // (4, 4, 60) asks for more than the 64-position window holds: generation starts after 59 tokens;
    // (8, 4, 60): the prompt, read after the cached tokens too, needs more room than generation (55)
    @Test(arguments: [(0, 30, 0), (0, 1, 0), (8, 16, 0), (0, 8, 40), (4, 4, 60), (8, 4, 60)])
    func repetitionsStayInsideTheWindow(_ prompt: Int, _ generated: Int, _ context: Int) throws {
        let model = try BenchFixture.model()
        var options = BenchmarkOptions()
        options.promptTokens = prompt
        options.generatedTokens = generated
        options.context = context
        options.repetitions = 3
        let result = try Benchmark.run(model: model, options: options)
        #expect(result.generationTokensPerSecond.count == (generated > 0 ? 3 : 0))
        #expect(result.promptTokensPerSecond.count == (prompt > 0 ? 3 : 0))
        #expect(result.timeToFirstToken.count == 3)
        #expect(result.context == min(context, model.config.contextLength - max(prompt, generated) - 1))
        #expect(result.generationCPUSecondsPerToken.count == (generated > 0 ? 3 : 0))
        #expect(result.generationCPUSecondsPerToken.allSatisfy { $0 > 0 && $0.isFinite })
        #expect(result.readAheadTokensPerSecond.isEmpty)
    }

    @Test("the read-ahead phase runs at every depth the window allows", arguments: [0, 20, 60])
    func readAheadPhase(_ context: Int) throws {
        let model = try BenchFixture.model()
        var options = BenchmarkOptions()
        options.promptTokens = 4
        options.generatedTokens = 5
        options.context = context
        options.readAheadRows = 3
        options.repetitions = 2
        let result = try Benchmark.run(model: model, options: options)
        #expect(result.readAheadTokensPerSecond.count == 2)
        #expect(result.readAheadTokensPerSecond.allSatisfy { $0 > 0 && $0.isFinite })
        #expect(result.readAheadPhaseShares.count == 2)
        #expect(result.readAheadPhaseShares.allSatisfy { $0 > 0 && $0.isFinite })
    }

    @Test func aProbeBetweenTokensGivesEachRepetitionItsOwnBandwidth() throws {
        let model = try BenchFixture.model()
        let memory = AlignedBuffer(byteCount: (4 << 20) + 1000)
        memory.pointer.initializeMemory(as: UInt8.self, repeating: 1, count: memory.byteCount)
        let probe = MemoryBandwidth.Probe(regions: [UnsafeRawBufferPointer(start: memory.pointer, count: memory.byteCount)],
                                          compute: ComputeContext(threads: 2))
        #expect(probe.bytes == 4 << 20, "whole megabytes only")
        var options = BenchmarkOptions()
        options.promptTokens = 0
        options.generatedTokens = 5
        options.repetitions = 2
        let result = try Benchmark.run(model: model, options: options, probe: probe)
        #expect(result.interleavedBandwidth.count == 2 && result.interleavedBandwidth.allSatisfy { $0 > 0 && $0.isFinite })
        #expect(result.interleavedRatios.count == 2 && result.interleavedRatios.allSatisfy { $0 > 0 && $0.isFinite })
        // without a probe there is nothing to report
        #expect(try Benchmark.run(model: model, options: options).interleavedRatios.isEmpty)
    }
}
