import ArgumentParser
import Foundation
import GLMBench
import GLMEngine

/// Speed of prompt reading and generation, measured on a real file or a random model of the real shape.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure prompt (pp) and generation (tg) speed, time to first token, memory and bandwidth use.")

    @Option(help: "A model file or directory to measure.") var model: String?
    @Option(help: "Measure a random model of this shape instead: 6b, 6b-32k or tiny (written once to the cache folder).")
    var random: RandomModel.Shape?
    @Option(help: "Matrix type of the random model, or the precision to load --model in.") var type: StorageType?
    @Option(name: .customShort("p"), help: "Prompt tokens (pp test).") var promptTokens = 512
    @Option(name: .customShort("n"), help: "Generated tokens (tg test).") var generatedTokens = 128
    @Option(help: "Threads (default: physical cores).") var threads: Int?
    @Option(help: "Kernel path: \(KernelPath.allCases.map(\.rawValue).joined(separator: ", ")) (default: the fastest this CPU has).")
    var kernel: KernelPath?
    @Flag(inversion: .prefixedNo, help: "Multiply Q4_0 batches (prompts, --parallel, --speculate) with AMX tiles where the CPU has them (same results; batches of 16 rows or more: smaller ones keep the vector kernel).")
    var amx = true
    @Flag(inversion: .prefixedNo, help: "Pack Q4_0 matrices in quad lanes for the 512-bit kernels (same results; --no-quad-lanes keeps the file's layout, to compare).")
    var quadLanes = true
    @Option(name: [.customShort("r"), .long], help: "Repetitions of each test.") var repetitions = 3
    @Option(help: "Read the prompt and generate after N cached tokens (as llama-bench -d).") var context = 0
    @Option(name: .customLong("cache-type"), help: "KV cache: f16 (exact) or q8_0 (int8 blocks, half the memory).")
    var cacheType: KVCacheType = .f16
    @Option(name: .customLong("read-ahead"),
            help: "Also time generation with N rows of a slide's kept part read along with each token (with --parallel: along with every stream's step).")
    var readAheadRows = 0
    @Option(name: .customLong("cache-dir"), help: "Where random models are kept (default: $XDG_CACHE_HOME/glmchat).")
    var cacheDirectory: String?
    @Option(help: "Streams decoding together, as a list (1,2,4,8): aggregate and per-stream generation speed (with -p and -n per stream, after --context cached positions each).")
    var parallel: ParallelCounts?
    @Option(help: "Measure speculative decoding: oracle (the plain answer as drafts: all accepted, the mechanics' bound), ngram (drafts from a prompt that pastes a passage and starts it again), miss (every draft wrong: what speculation costs when guesses never hold) or off; plain generation runs alternately, and the cost of verifying drafts is measured. With --parallel N: N answers in the server's batch decoder, plain and speculating.")
    var speculate: SpeculationBenchmark.Mode?
    @Option(help: "Drafts per verification pass with --speculate.") var drafts = Speculation.defaultMaxDrafts
    @Flag(name: .customLong("cache-drift"), help: "Instead of speed: read a random --context-token prompt into the exact and the q8_0 cache, feed -n greedy tokens to both, and print the q8_0 cache's max logit difference and greedy agreement.")
    var cacheDrift = false
    @Flag(help: "Print the results as JSON.") var json = false

    func validate() throws {
        guard (model == nil) != (random == nil) else { throw ValidationError("give exactly one of --model and --random") }
        guard repetitions >= 1, promptTokens >= 0, generatedTokens >= 0, context >= 0, readAheadRows >= 0 else {
            throw ValidationError("-p, -n, --context and --read-ahead must be >= 0, --repetitions >= 1")
        }
        guard readAheadRows < 64 else { throw ValidationError("--read-ahead takes at most 63 rows") }
        if speculate != nil {
            guard !json else { throw ValidationError("--speculate goes without --json") }
            guard generatedTokens > 1, (1...64).contains(drafts) else {
                throw ValidationError("--speculate needs -n of at least 2 and --drafts from 1 to 64")
            }
        }
        if cacheDrift {
            guard context > 0 else { throw ValidationError("--cache-drift reads a prompt of --context tokens: give --context N") }
            guard parallel == nil, speculate == nil, !json, cacheType == .f16 else {
                throw ValidationError("--cache-drift compares the f16 and q8_0 caches itself: it goes without --parallel, --speculate, --json and --cache-type")
            }
        }
        if parallel != nil {
            guard speculate == nil || (context == 0 && readAheadRows == 0) else {
                throw ValidationError("--parallel with --speculate goes without --context and --read-ahead")
            }
            guard generatedTokens > 0 else { throw ValidationError("--parallel measures generation: -n must be at least 1") }
        }
        if let kernel, !kernel.isSupported {
            let supported = KernelPath.supported.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("this CPU cannot run the \(kernel.rawValue) kernels (it can run: \(supported))")
        }
    }

    func run() async throws {
        do {
            let path = try modelPath()
            let compute = ComputeContext(threads: threads ?? ComputeContext.physicalCores, path: kernel ?? .best, amx: amx,
                                         quadLanes: quadLanes)
            FileHandle.standardError.write(Data("AMX tiles for Q4_0 batches: \(compute.usesAMX ? "on" : "off"); Q4_0 in quad lanes: \(compute.usesQuadLanes ? "on" : "off")\n".utf8))
            // before loading: the probe's buffer is freed before the model's memory peaks
            let bandwidthBefore = MemoryBandwidth.samples(compute: compute)
            let loadStart = Date()
            let opened = try ModelFiles.open(path: path)
            let weights = try GLMWeights.load(from: opened.checkpoint, config: opened.config,
                                              as: random == nil ? type : nil, source: path, threads: compute)
            let hugePages = try ModelLoader.settleInHugePages(opened, weights: weights)
            let loadSeconds = Date().timeIntervalSince(loadStart)
            if cacheDrift {
                let drift = try CacheDrift.run(weights: weights, compute: compute, depth: context, steps: generatedTokens) { line in
                    FileHandle.standardError.write(Data((line + "\n").utf8))
                }
                print(drift.summary())
                return
            }
            try cacheType.check(headDim: weights.config.headDim)
            let glm = GLMModel(weights: weights, compute: compute, cacheType: cacheType)
            if let speculate, let parallel {
                let tokenizer = try opened.makeTokenizer(override: nil)
                let results = try await BatchedSpeculationBenchmark.run(model: glm, tokenizer: tokenizer, counts: parallel.counts,
                                                                  mode: speculate, maxDrafts: drafts, promptTokens: promptTokens,
                                                                  generatedTokens: generatedTokens, repetitions: repetitions) { line in
                    FileHandle.standardError.write(Data((line + "\n").utf8))
                }
                print(ParallelBenchReport.speculationTable(results, mode: speculate, maxDrafts: drafts))
                return
            }
            if let speculate {
                var options = SpeculationBenchmark.Options()
                options.mode = speculate
                options.maxDrafts = drafts
                options.promptTokens = promptTokens
                options.generatedTokens = generatedTokens
                options.repetitions = repetitions
                options.context = context
                let result = try SpeculationBenchmark.run(model: glm, options: options) { line in
                    FileHandle.standardError.write(Data((line + "\n").utf8))
                }
                let name = random.map { "random-\($0.rawValue)" } ?? URL(fileURLWithPath: path).lastPathComponent
                print(result.table(model: name, type: weights.matrixType, threads: compute.threads, options: options))
                return
            }
            if let parallel {
                var options = ParallelBenchmark.Options()
                options.counts = parallel.counts
                options.promptTokens = promptTokens
                options.generatedTokens = generatedTokens
                options.repetitions = repetitions
                options.context = context
                options.readAheadRows = readAheadRows
                let results = try ParallelBenchmark.run(model: glm, options: options) { line in
                    if !json { FileHandle.standardError.write(Data((line + "\n").utf8)) }
                }
                print(json ? ParallelBenchReport.json(results) : ParallelBenchReport.table(results, promptTokens: promptTokens,
                                                                                           generatedTokens: generatedTokens,
                                                                                           readAheadRows: readAheadRows))
                return
            }
            var options = BenchmarkOptions()
            options.promptTokens = promptTokens
            options.generatedTokens = generatedTokens
            options.repetitions = repetitions
            options.context = context
            options.readAheadRows = readAheadRows
            var result = try Benchmark.run(model: glm, options: options, probe: weightProbe(weights, compute)) { line in
                if !json { FileHandle.standardError.write(Data((line + "\n").utf8)) }
            }
            // Read before the second bandwidth probe, whose buffer is not part of running the model.
            let peakRSS = peakResidentBytes()
            let bandwidth = bandwidthBefore + MemoryBandwidth.samples(compute: compute)
            result.bandwidthBytesPerSecond = median(bandwidth)
            result.bandwidthRange = (bandwidth.min() ?? 0)...(bandwidth.max() ?? 0)
            let report = BenchReport(name: random.map { "random-\($0.rawValue)" } ?? URL(fileURLWithPath: path).lastPathComponent,
                                     type: weights.matrixType, fileBytes: fileSize(path), threads: compute.threads, kernel: compute.path,
                                     options: options, result: result, loadSeconds: loadSeconds,
                                     peakRSS: peakRSS, hugePages: hugePages)
            print(json ? report.json() : report.table())
        } catch {
            exitWithError(error)
        }
    }

    /// A quarter-gigabyte of the model's own weights (the MLP matrices of layers spread through the
    /// model) for the probe taken between tokens: resident already, so it adds nothing to peak RSS,
    /// and in the same pages as what generation reads.
    private func weightProbe(_ weights: GLMWeights, _ compute: ComputeContext) -> MemoryBandwidth.Probe? {
        guard !weights.layers.isEmpty else { return nil }
        let wanted = 256 << 20
        let perLayer = max(1, weights.layers[0].gateUp.byteCount)
        let count = min(weights.layers.count, max(1, wanted / perLayer))
        let stride = weights.layers.count / count
        let regions = (0..<count).map { i in
            let m = weights.layers[i * stride].gateUp
            return UnsafeRawBufferPointer(start: m.data, count: m.byteCount)
        }
        let probe = MemoryBandwidth.Probe(regions: regions, compute: compute)
        return probe.bytes > 0 ? probe : nil
    }

    private func modelPath() throws -> String {
        if let model { return model }
        guard let random else { throw ValidationError("give --model or --random") }
        let directory = URL(fileURLWithPath: cacheDirectory ?? defaultCacheDirectory())
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let fileType = type ?? .q4_0
        let path = RandomModel.cachedPath(random, type: fileType, cacheDirectory: directory)
        if !FileManager.default.fileExists(atPath: path) {
            var bar: ProgressBar?
            try RandomModel.write(random, type: fileType, to: path) { done, total in
                if bar == nil { bar = ProgressBar(label: "writing random model", total: total) }
                bar?.update(done)
            }
        }
        return path
    }

    private func defaultCacheDirectory() -> String {
        let env = ProcessInfo.processInfo.environment
        if let xdg = env["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/glmchat" }
        return (env["HOME"] ?? NSTemporaryDirectory()) + "/.cache/glmchat"
    }

    private func fileSize(_ path: String) -> Int {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return 0 }
        if !isDirectory.boolValue {
            return ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.intValue ?? 0
        }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return files.reduce(0) { $0 + fileSize(path + "/" + $1) }
    }
}

/// Peak resident memory of this process (Linux reports ru_maxrss in KiB).
func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Int(usage.ru_maxrss) * 1024
}

extension RandomModel.Shape: ExpressibleByArgument {}
extension SpeculationBenchmark.Mode: ExpressibleByArgument {}
