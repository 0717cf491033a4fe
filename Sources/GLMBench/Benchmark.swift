import Foundation
import GLMEngine

/// What `glmchat bench` measures, in the spirit of llama-bench: prompt reading (pp) and generation (tg)
/// speeds over repetitions, time to first token, load time, memory, and generation's share of the
/// machine's read bandwidth.
public struct BenchmarkOptions: Sendable {
    public var promptTokens = 512
    public var generatedTokens = 128
    public var repetitions = 3
    /// Tokens already in the cache when the prompt is read and when generation is timed (0: the prompt
    /// on an empty cache, generation right after it).
    public var context = 0
    /// Rows of the next slide's kept part read along with each generated token (0: no such test).
    /// The tg test then runs a second time at the same depth with these rows riding along, into a
    /// companion cache holding half as many positions as the main one (the kept part of a slide).
    public var readAheadRows = 0
    public init() {}
}

public struct BenchmarkResult: Sendable {
    public var promptTokensPerSecond: [Double] = []
    public var generationTokensPerSecond: [Double] = []
    /// Seconds from a 20-token prompt to the first sampled token.
    public var timeToFirstToken: [Double] = []
    public var weightBytesPerToken = 0
    public var kvCacheBytes = 0
    /// How the cache stored keys and values (f32, f16 or q8_0).
    public var kvCachePrecision = ""
    public var bandwidthBytesPerSecond = 0.0
    /// Cached tokens the prompt was read and generation started after (the requested --context, or
    /// less if the window is smaller).
    public var context = 0
    /// Slowest and fastest probe pass (the spread says how noisy the machine was).
    public var bandwidthRange: ClosedRange<Double> = 0...0
    /// CPU seconds per generated token, all threads together (process CPU time over each token's
    /// step, the probe passes left out), per repetition: on a machine shared with other tenants the
    /// steadier figure, as a token's wall time includes the time its threads waited for a core.
    public var generationCPUSecondsPerToken: [Double] = []
    /// Generation with `readAheadRows` rows riding along with each token, per repetition.
    public var readAheadTokensPerSecond: [Double] = []
    /// The read-ahead phase as a whole, per repetition: generation's rate with the rows over its rate
    /// alone, at the same depths (`Benchmark.readAheadPhaseShare`).
    public var readAheadPhaseShares: [Double] = []
    /// Share of generation time spent in attention (only measured when a context is set).
    public var attentionShare: Double?
    /// Per repetition (when the bench is given a probe): the median of the probe passes taken after
    /// each generated token, and the median over tokens of the token's weight bytes per second
    /// divided by the pass right after it.
    public var interleavedBandwidth: [Double] = []
    public var interleavedRatios: [Double] = []

    public var generationBandwidthRatio: Double {
        guard bandwidthBytesPerSecond > 0 else { return 0 }
        return mean(generationTokensPerSecond) * Double(weightBytesPerToken) / bandwidthBytesPerSecond
    }
}

public func mean(_ values: [Double]) -> Double {
    values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
}

/// The middle value (the upper one of an even count); 0 for none.
public func median(_ values: [Double]) -> Double {
    values.isEmpty ? 0 : values.sorted()[values.count / 2]
}

public func standardDeviation(_ values: [Double]) -> Double {
    guard values.count > 1 else { return 0 }
    let m = mean(values)
    return (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
}

public enum Benchmark {
    /// `probe`, if given, is read after every generated token (outside the token's timing), for
    /// `interleavedBandwidth` and `interleavedRatios`.
    public static func run(model: GLMModel, options requested: BenchmarkOptions, probe: MemoryBandwidth.Probe? = nil,
                           log: (String) -> Void = { _ in }) throws -> BenchmarkResult {
        var result = BenchmarkResult()
        let c = model.config
        var options = requested
        // A full window (--context 32768 on the 32K model) leaves no room to read or generate into:
        // measure at the fullest cache that still takes the -p and -n tokens, and say so.
        let added = max(options.promptTokens, options.generatedTokens)
        if options.context > 0, options.context + added + 1 > c.contextLength, c.contextLength - added - 1 > 0 {
            options.context = c.contextLength - added - 1
            log("--context \(requested.context) leaves no room for \(added) tokens in a window of \(c.contextLength): reading and generating after \(options.context) cached tokens")
        }
        result.context = options.context
        result.weightBytesPerToken = model.weights.matrixBytes
        var generator = SeededGenerator(seed: 42)
        func randomTokens(_ n: Int) -> [Int32] {
            (0..<n).map { _ in Int32(generator.next() % UInt64(min(c.vocabRows, 64_000))) }
        }
        // room for the longest test: the prompt or the filled context plus the generated tokens, and the
        // 20-token time-to-first-token prompt
        let window = max(options.context + added + 1, options.promptTokens + options.generatedTokens + 1, 21)
        guard window <= c.contextLength else {
            throw GLMError(.contextOverflow, "the benchmark needs \(window) positions; the model's window is \(c.contextLength)")
        }
        let cache = KVCache(config: c, maxPositions: window, precision: model.cachePrecision)
        let companion = KVCache(config: c, maxPositions: window / 2 + 1 + options.generatedTokens * options.readAheadRows,
                                precision: cache.precision)

        // Warm-up: touches every weight page once so the first repetition is not a page-fault benchmark,
        // then a few generation steps, as llama-bench also warms up: in some runs the first tokens after
        // loading took 144-162 ms against 105 for the rest (the cause was not found; later ones never did).
        _ = model.forward(randomTokens(1), cache: cache, logits: .last)
        var warmLogits: [Float] = []
        for _ in 0..<3 { model.forwardToken(randomTokens(1)[0], cache: cache, into: &warmLogits) }

        let depth = options.context > 0 ? " @ ctx \(options.context)" : ""
        for repetition in 0..<options.repetitions {
            if options.promptTokens > 0 {
                // read after `context` cached tokens, as llama-bench -d does (attention over the cache)
                cache.truncate(to: options.context)
                cache.fillWithRandomRows(upTo: options.context, seed: UInt64(repetition))
                let prompt = randomTokens(options.promptTokens)
                let start = DispatchTime.now()
                _ = model.forward(prompt, cache: cache, logits: .last)
                let seconds = elapsed(since: start)
                result.promptTokensPerSecond.append(Double(options.promptTokens) / seconds)
                log("pp\(options.promptTokens)\(depth)" + String(format: " #%d: %.2f tokens/s", repetition + 1,
                                                                      Double(options.promptTokens) / seconds))
            }
            if options.generatedTokens > 0 {
                if options.context > 0 {
                    // the rows the prompt test filled stay; only what it read after them goes
                    cache.truncate(to: options.context)
                    cache.fillWithRandomRows(upTo: options.context, seed: UInt64(repetition))
                } else if options.promptTokens == 0 {
                    // no prompt test to start from: generate from an empty cache, not after the last TTFT prompt
                    cache.truncate(to: 0)
                }
                model.attentionSeconds = 0
                var token = randomTokens(1)[0]
                var logits: [Float] = []
                var seconds = 0.0
                var cpuSeconds = 0.0
                var probed: [Double] = []
                var shares: [Double] = []
                for _ in 0..<options.generatedTokens {
                    let start = DispatchTime.now()
                    let cpuStart = processCPUSeconds()
                    // the engine's generation step: one token in, logits into a reused buffer
                    model.forwardToken(token, cache: cache, into: &logits)
                    token = Int32(Sampler.argmax(logits, count: 64_000))
                    cpuSeconds += processCPUSeconds() - cpuStart
                    let tokenSeconds = elapsed(since: start)
                    seconds += tokenSeconds
                    if let probe {
                        let bandwidth = probe.pass()
                        probed.append(bandwidth)
                        shares.append(Double(result.weightBytesPerToken) / tokenSeconds / bandwidth)
                    }
                }
                let tokensPerSecond = Double(options.generatedTokens) / seconds
                result.generationTokensPerSecond.append(tokensPerSecond)
                result.generationCPUSecondsPerToken.append(cpuSeconds / Double(options.generatedTokens))
                if options.context > 0 { result.attentionShare = model.attentionSeconds / seconds }
                var line = String(format: "tg%d #%d: %.2f tokens/s", options.generatedTokens, repetition + 1, tokensPerSecond)
                if !probed.isEmpty {
                    // each token against the probe right after it: the bandwidth can switch state within
                    // a repetition, and a repetition's medians would then pair tokens of one state with
                    // probes of the other
                    let bandwidth = median(probed)
                    let share = median(shares)
                    result.interleavedBandwidth.append(bandwidth)
                    result.interleavedRatios.append(share)
                    line += String(format: " (memory between tokens %.1f GB/s; median token %.1f%% of it)", bandwidth / 1e9,
                                   share * 100)
                }
                log(line)
                if options.readAheadRows > 0 {
                    // the same tokens again from the same depth (after the attention share was taken)
                    let depth = cache.count - options.generatedTokens
                    cache.truncate(to: depth)
                    let speed = readAhead(model, cache: cache, companion: companion, depth: depth, options: options,
                                          seed: UInt64(repetition), first: token)
                    result.readAheadTokensPerSecond.append(speed)
                    log(String(format: "tg%d +%d read-ahead rows #%d: %.2f tokens/s (%.1f%% of tg)", options.generatedTokens,
                               options.readAheadRows, repetition + 1, speed, speed / tokensPerSecond * 100))
                    let share = readAheadPhaseShare(model, cache: cache, companion: companion, depth: depth,
                                                    options: options, first: token)
                    result.readAheadPhaseShares.append(share)
                    log(String(format: "  over the whole phase (four points): %.1f%% of tg at the same depths", share * 100))
                }
            }
            // Time to first token for a short chat turn: a 20-token prompt on an empty cache, then one sample.
            cache.truncate(to: 0)
            let start = DispatchTime.now()
            let logits = model.forward(randomTokens(20), cache: cache, logits: .last)
            _ = Sampler.argmax(logits)
            result.timeToFirstToken.append(elapsed(since: start))
        }
        result.kvCacheBytes = cache.bytes
        result.kvCachePrecision = cache.precision.rawValue
        return result
    }

    /// User + system CPU seconds of this process so far (every thread).
    static func processCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    static func elapsed(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }
}
