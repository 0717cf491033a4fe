import Foundation
import GLMEngine
import GLMTestSupport
import Testing

/// `glmchat bench --json` as a script reads it: the real program on the tiny random model, its
/// stdout parsed, every key present and every figure a number of the right kind (never a speed).
@Suite struct BenchJSONTests {
    /// The glmchat that `swift build` put beside this test bundle.
    static let glmchat = BuiltProgram.glmchat

    /// The fields, with the types a reader relies on.
    struct Report: Decodable {
        let model: String
        let type: String
        let kernel: String
        let file_bytes: Int
        let threads: Int
        let prompt_tokens: Int
        let generated_tokens: Int
        let context: Int
        let repetitions: Int
        let pp_tokens_per_second: [Double]
        let tg_tokens_per_second: [Double]
        let time_to_first_token_seconds: [Double]
        let load_seconds: Double
        let peak_rss_bytes: Int
        let kv_cache_bytes: Int
        let weight_bytes_per_token: Int
        let bandwidth_bytes_per_second: Double
        let bandwidth_min_bytes_per_second: Double
        let bandwidth_max_bytes_per_second: Double
        let generation_bandwidth_ratio: Double
        let attention_share: Double?
        let interleaved_bandwidth_bytes_per_second: [Double]
        let interleaved_generation_bandwidth_ratios: [Double]
        let weights_in_2mb_pages_bytes: Int?
        let weights_reread_into_2mb_pages: Bool
    }

    static let keys: Set<String> = [
        "model", "type", "kernel", "file_bytes", "threads", "prompt_tokens", "generated_tokens", "context",
        "repetitions", "pp_tokens_per_second", "tg_tokens_per_second", "time_to_first_token_seconds",
        "load_seconds", "peak_rss_bytes", "kv_cache_bytes", "kv_cache_type", "weight_bytes_per_token", "bandwidth_bytes_per_second",
        "bandwidth_min_bytes_per_second", "bandwidth_max_bytes_per_second", "generation_bandwidth_ratio",
        "attention_share", "interleaved_bandwidth_bytes_per_second", "interleaved_generation_bandwidth_ratios",
        "weights_in_2mb_pages_bytes", "weights_reread_into_2mb_pages", "tg_cpu_seconds_per_token", "read_ahead_rows",
        "read_ahead_tg_tokens_per_second", "read_ahead_phase_shares",
    ]

    @Test(.enabled(if: glmchat != nil, "needs the glmchat binary built beside the tests (swift build --build-tests)"))
    func benchJSONOfTheTinyRandomModelParses() throws {
        let cache = try BenchFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: cache) }
        let stdout = try run([glmchatPath(), "bench", "--random", "tiny", "-p", "8", "-n", "4", "-r", "2",
                              "--threads", "2", "--json", "--cache-dir", cache.path])

        let object = try #require(try JSONSerialization.jsonObject(with: stdout) as? [String: Any])
        #expect(Set(object.keys) == Self.keys)
        let report = try JSONDecoder().decode(Report.self, from: stdout)
        #expect(report.model == "random-tiny" && report.type == "q4_0" && report.kernel == KernelPath.best.rawValue)
        #expect(report.threads == 2 && report.prompt_tokens == 8 && report.generated_tokens == 4)
        #expect(report.context == 0 && report.repetitions == 2)
        for series in [report.pp_tokens_per_second, report.tg_tokens_per_second, report.time_to_first_token_seconds] {
            #expect(series.count == 2 && series.allSatisfy { $0.isFinite && $0 > 0 })
        }
        #expect(report.file_bytes > 0 && report.peak_rss_bytes > 0 && report.kv_cache_bytes > 0)
        #expect(report.weight_bytes_per_token > 0 && report.load_seconds.isFinite && report.load_seconds >= 0)
        let bandwidth = [report.bandwidth_bytes_per_second, report.bandwidth_min_bytes_per_second,
                         report.bandwidth_max_bytes_per_second, report.generation_bandwidth_ratio]
        #expect(bandwidth.allSatisfy { $0.isFinite && $0 > 0 })
        #expect(report.bandwidth_min_bytes_per_second <= report.bandwidth_max_bytes_per_second)
        // no --context: no attention share; a model under a megabyte of matrices: no probe between
        // tokens; a file under 256 MB is never settled into 2 MB pages
        #expect(report.attention_share == nil && object["attention_share"] is NSNull)
        #expect(report.interleaved_bandwidth_bytes_per_second.isEmpty && report.interleaved_generation_bandwidth_ratios.isEmpty)
        #expect(report.weights_in_2mb_pages_bytes == nil && !report.weights_reread_into_2mb_pages)
    }

    private func glmchatPath() throws -> String { try #require(Self.glmchat) }

    /// The program's standard output; its standard error goes to a file, shown if it fails.
    private func run(_ argv: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        let output = Pipe()
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("glmbench-err-\(UUID().uuidString)")
        try Data().write(to: errors)
        defer { try? FileManager.default.removeItem(at: errors) }
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderr = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        #expect(process.terminationStatus == 0, "glmchat bench failed: \(stderr)")
        return data
    }
}
