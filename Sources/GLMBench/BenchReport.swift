import Foundation
import GLMEngine

/// The bench results as a llama-bench-like table or as JSON.
public struct BenchReport {
    public let name: String
    public let type: StorageType
    public let fileBytes: Int
    public let threads: Int
    public let kernel: KernelPath
    public let options: BenchmarkOptions
    public let result: BenchmarkResult
    public let loadSeconds: Double
    public let peakRSS: Int
    public let hugePages: HugePageReport?

    public init(name: String, type: StorageType, fileBytes: Int, threads: Int, kernel: KernelPath,
                options: BenchmarkOptions, result: BenchmarkResult, loadSeconds: Double, peakRSS: Int,
                hugePages: HugePageReport?) {
        self.name = name
        self.type = type
        self.fileBytes = fileBytes
        self.threads = threads
        self.kernel = kernel
        self.options = options
        self.result = result
        self.loadSeconds = loadSeconds
        self.peakRSS = peakRSS
        self.hugePages = hugePages
    }

    private func speed(_ values: [Double]) -> String {
        String(format: "%.2f ± %.2f", mean(values), standardDeviation(values))
    }

    public func table() -> String {
        let gb = { (bytes: Double) in String(format: "%.2f GB", bytes / 1e9) }
        var rows: [[String]] = [["model", "type", "size", "threads", "kernel", "test", "t/s"]]
        let base = [name, type.rawValue, gb(Double(fileBytes)), "\(threads)", kernel.rawValue]
        if !result.promptTokensPerSecond.isEmpty {
            let test = "pp\(options.promptTokens)" + (result.context > 0 ? " @ ctx \(result.context)" : "")
            rows.append(base + [test, speed(result.promptTokensPerSecond)])
        }
        if !result.generationTokensPerSecond.isEmpty {
            let test = "tg\(options.generatedTokens)" + (result.context > 0 ? " @ ctx \(result.context)" : "")
            rows.append(base + [test, speed(result.generationTokensPerSecond)])
        }
        if !result.readAheadTokensPerSecond.isEmpty {
            let test = "tg\(options.generatedTokens) +\(options.readAheadRows) read-ahead"
                + (result.context > 0 ? " @ ctx \(result.context)" : "")
            rows.append(base + [test, speed(result.readAheadTokensPerSecond)])
        }
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        var lines = rows.map { row in
            "| " + row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: " | ") + " |"
        }
        lines.insert("|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|", at: 1)
        lines.append("")
        lines.append(String(format: "load time:                 %.2f s", loadSeconds))
        if let hugePages {
            lines.append("weights in 2 MB pages:     " + hugePages.summary)
        }
        lines.append(String(format: "time to first token:       %.3f s (20-token prompt, median of %d)",
                            median(result.timeToFirstToken), result.timeToFirstToken.count))
        lines.append("peak RSS:                  " + gb(Double(peakRSS)))
        lines.append("KV cache:                  " + gb(Double(result.kvCacheBytes)) + " (\(result.kvCachePrecision))")
        lines.append("weights read per token:    " + gb(Double(result.weightBytesPerToken)))
        lines.append(String(format: "memory read bandwidth:     %.2f GB/s (%d threads; median of 10 passes before and after, range %.1f-%.1f)",
                            result.bandwidthBytesPerSecond / 1e9, threads, result.bandwidthRange.lowerBound / 1e9,
                            result.bandwidthRange.upperBound / 1e9))
        if !result.generationTokensPerSecond.isEmpty {
            lines.append(String(format: "generation / bandwidth:    %.1f%% (weight bytes read per second ÷ bandwidth)",
                                result.generationBandwidthRatio * 100))
        }
        if !result.interleavedRatios.isEmpty {
            lines.append(String(format: "memory between tokens:     %.2f GB/s (median per repetition: %@)",
                                median(result.interleavedBandwidth) / 1e9,
                                result.interleavedBandwidth.map { String(format: "%.1f", $0 / 1e9) }.joined(separator: ", ")))
            lines.append(String(format: "generation / that:         %.1f%% (median token's share, per repetition: %@)",
                                median(result.interleavedRatios) * 100,
                                result.interleavedRatios.map { String(format: "%.1f%%", $0 * 100) }.joined(separator: ", ")))
        }
        if !result.generationCPUSecondsPerToken.isEmpty {
            lines.append(String(format: "tg CPU time per token:     %.1f ms (all threads; median of %d repetitions)",
                                median(result.generationCPUSecondsPerToken) * 1000, result.generationCPUSecondsPerToken.count))
        }
        if let share = result.attentionShare {
            lines.append(String(format: "attention share of tg:     %.1f%%", share * 100))
        }
        if !result.readAheadPhaseShares.isEmpty {
            lines.append(String(format: "read-ahead, whole phase:   %.1f%% of tg at the same depths (median; per repetition: %@; the table's row is its slowest point)",
                                median(result.readAheadPhaseShares) * 100,
                                result.readAheadPhaseShares.map { String(format: "%.1f%%", $0 * 100) }.joined(separator: ", ")))
        }
        return lines.joined(separator: "\n")
    }

    public func json() -> String {
        let object: [String: Any] = [
            "model": name, "type": type.rawValue, "file_bytes": fileBytes, "threads": threads, "kernel": kernel.rawValue,
            "prompt_tokens": options.promptTokens, "generated_tokens": options.generatedTokens,
            "context": result.context, "repetitions": options.repetitions,
            "pp_tokens_per_second": result.promptTokensPerSecond,
            "tg_tokens_per_second": result.generationTokensPerSecond,
            "time_to_first_token_seconds": result.timeToFirstToken,
            "load_seconds": loadSeconds, "peak_rss_bytes": peakRSS, "kv_cache_bytes": result.kvCacheBytes,
            "kv_cache_type": result.kvCachePrecision,
            "weight_bytes_per_token": result.weightBytesPerToken,
            "bandwidth_bytes_per_second": result.bandwidthBytesPerSecond,
            "bandwidth_min_bytes_per_second": result.bandwidthRange.lowerBound,
            "bandwidth_max_bytes_per_second": result.bandwidthRange.upperBound,
            "generation_bandwidth_ratio": result.generationBandwidthRatio,
            "attention_share": result.attentionShare.map { $0 as Any } ?? NSNull(),
            "tg_cpu_seconds_per_token": result.generationCPUSecondsPerToken,
            "read_ahead_rows": options.readAheadRows,
            "read_ahead_tg_tokens_per_second": result.readAheadTokensPerSecond,
            "read_ahead_phase_shares": result.readAheadPhaseShares,
            "interleaved_bandwidth_bytes_per_second": result.interleavedBandwidth,
            "interleaved_generation_bandwidth_ratios": result.interleavedRatios,
            "weights_in_2mb_pages_bytes": hugePages.map { $0.hugeAfter as Any } ?? NSNull(),
            "weights_reread_into_2mb_pages": hugePages?.reread ?? false,
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted]),
              let text = String(data: data, encoding: .utf8) else { return "{}" }
        return text
    }
}
